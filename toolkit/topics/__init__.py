"""Topics: BERTopic fitted on the whole study, labels, stability, quotes and the topics stage."""
