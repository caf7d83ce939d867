"""Audits of system use (policy 460.5(c)), their reports, dashboards and security incidents."""
