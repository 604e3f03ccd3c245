"""aigchip: natural-language hardware specs to verified RTL with an LLM in the loop."""

__version__ = "0.1.0"
