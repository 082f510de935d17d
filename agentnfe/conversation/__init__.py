"""Conversation engine: state machine, PT-BR replies, rules and LLM extractors."""
