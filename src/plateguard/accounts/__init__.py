"""Accounts: agencies, users, roles, passwords and login sessions."""
