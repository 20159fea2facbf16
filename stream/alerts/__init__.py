"""Keyword alerts: subscriptions, the matcher, alert records and delivery."""
