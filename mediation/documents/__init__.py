"""The centre's documents (文书)."""
