"""Privacy: pseudonyms, redaction of identifiers, disclosure control and the release check."""
