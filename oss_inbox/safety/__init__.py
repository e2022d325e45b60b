"""Life safety: recognising reports that can cost a life (a downed line, a gas smell, ...)."""
