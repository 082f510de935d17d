"""`python -m agentnfe <command>`: the Flask CLI group of this application."""

from flask.cli import FlaskGroup

from . import create_app

cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, add_version_option=False)

if __name__ == "__main__":
    cli(prog_name="python -m agentnfe")
