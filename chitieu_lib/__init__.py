"""chitieu: online public-service targets of Khanh Hoa's Decision 817/QD-UBND (2019)."""

__version__ = "0.1.0"
