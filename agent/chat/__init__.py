"""Chat sessions: terminal and web."""
