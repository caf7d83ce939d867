"""The web console: public router, protected routers, templates and static files."""
