"""The bot's command groups, one module each."""
