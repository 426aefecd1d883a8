"""MkDocs hook: pages whose text is generated at build time, so it cannot drift from the code.

- ``index.md``: the repository's README (the front page), with its ``docs/`` links made site links.
- ``reference.md``: every ``course`` command from the argparse parser, and every course.toml key
  from the config schema, including the tolerances and settings each assignment's graders declare.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the engine, also when building without an editable install

COMMANDS_MARK = "<!-- generated: course commands -->"
KEYS_MARK = "<!-- generated: course.toml keys -->"
README_MARK = "<!-- generated: README.md -->"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri == "index.md":
        return markdown.replace(README_MARK, _readme())
    if page.file.src_uri == "reference.md":
        return markdown.replace(COMMANDS_MARK, _commands()).replace(KEYS_MARK, _keys())
    return markdown


def _readme() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"\]\(docs/\)", "](index.md)", text)  # the docs folder itself is this site
    return re.sub(r"\]\(docs/", "](", text)


# -- commands ---------------------------------------------------------------------------------------

def _commands() -> str:
    from graders.engine.cli import _parser

    parser = _parser()
    usage = " ".join(parser.format_usage().split())
    top = [parser.description or "", "", "```text", usage, "```", "", *_argument_table(parser)]
    return "\n".join(top + _command_sections(parser, "course"))


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser, str]]:
    """(name, parser, one-line help) of each subcommand, in the order --help lists them."""
    found = []
    for action in parser._actions:  # argparse has no public way to walk subcommands
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            found += [(name, sub, helps.get(name, "")) for name, sub in action.choices.items()]
    return found


def _command_sections(parser: argparse.ArgumentParser, prog: str) -> list[str]:
    lines = []
    for name, sub, help_text in _subcommands(parser):
        full = f"{prog} {name}"
        usage = " ".join(sub.format_usage().split())
        lines += [f"### `{full}`", "", help_text.rstrip(".") + ".", "", "```text", usage, "```", ""]
        lines += _argument_table(sub)
        lines += _command_sections(sub, full)
    return lines


def _argument_table(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        names = ", ".join(action.option_strings) or action.metavar or action.dest
        if action.option_strings and action.nargs != 0:
            names += f" {action.metavar or action.dest.upper()}"
        rows.append(f"| `{names}` | {_cell(action.help or '')} |")
    return (["| argument | meaning |", "|---|---|", *rows, ""]) if rows else []


# -- course.toml keys -------------------------------------------------------------------------------

def _keys() -> str:
    from graders.engine.core.config_schema import grader_keys, reference

    course = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
    declared = {name: keys for name in course.get("assignments", {})
                if (keys := grader_keys(name, ROOT / "graders")) is not None}
    rows = [f"| `{path}` | {kind} | {_default(default)} | {_cell(text)} |"
            for path, kind, default, text in reference(declared)]
    return "\n".join(["| key | type | default | meaning |", "|---|---|---|---|", *rows])


def _default(value) -> str:
    if value == "required":
        return "required"
    if value is None:
        return "none"
    return f"`{json.dumps(value, default=str)}`"  # as course.toml writes it: "UTC", ["numpy"], true


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")
