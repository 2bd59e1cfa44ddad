#!/usr/bin/env python3
"""Build a real An Otter Wiki content repository, written by An Otter Wiki itself.

The repository is what a stock Otterwiki installation produces: lowercase file
names, sub-pages and attachments in the page's folder, renames done the way the
web UI does them (attachment folder + page file + rewritten backlinks in one
commit), deletes, replaced attachments, an anonymous edit with an empty e-mail,
and a few hundred commits spread over weeks. The text comes from the markdown
files shipped inside the otterwiki package, so it exercises the real dialect
(tables, raw HTML spans, kbd tags, code blocks).

Usage:
    make_otterwiki_repo.py REPO_DIR [--manifest FILE]

REPO_DIR must not exist. The manifest (JSON) lists the final pages, the
attachments with their sha256 and content type, and the renamed pages with the
commit messages made before each rename, so a test can check the import
without re-deriving any of it.

Needs the `otterwiki` package (pip install otterwiki); it writes through
`otterwiki.gitstorage.GitStorage`, the class the wiki's views use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import otterwiki
from otterwiki.gitstorage import GitStorage

PACKAGE_DIR = Path(otterwiki.__file__).resolve().parent

ROBOT = ("Otterwiki Robot", "noreply@otterwiki")
ADA = ("Ada Lovelace", "ada@example.org")
GRACE = ("Grace Hopper", "grace@example.org")
LINUS = ("Linus Otter", "linus@example.net")
ANONYMOUS = ("Anonymous", "")

# 2024-01-02 09:00 UTC; every commit moves the clock forward, so history order
# is the same as commit order and dates look like a wiki used over weeks.
START_EPOCH = 1704186000
STEP_SECONDS = 47 * 60


def sanitize_pagename(name: str) -> str:
    """Otterwiki's page name sanitizing: drop ?|$.!#\\ and collapse spaces."""
    name = re.sub(r"[?|$.!#\\]", "", name)
    name = name.replace("/", "-")
    return re.sub(r"\s+", " ", name).strip()


def page_file(pagename: str) -> str:
    """Otterwiki's default file name for a page: lowercased, `.md` appended."""
    return pagename.lower() + ".md"


def normalize(content: str) -> str:
    """What Otterwiki's save does to the editor's text."""
    return content.replace("\r\n", "\n").strip() + "\n"


def split_sections(markdown: str, level: str) -> list[tuple[str, str]]:
    """Split a markdown file at headings of `level` (e.g. '### ')."""
    sections: list[tuple[str, str]] = []
    title, body = None, []
    in_fence = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith(level):
            if title is not None:
                sections.append((title, "\n".join(body)))
            title, body = line[len(level):].strip(), []
        elif title is not None:
            body.append(line)
    if title is not None:
        sections.append((title, "\n".join(body)))
    return sections


def blocks(markdown: str) -> list[str]:
    """Paragraph-ish blocks, never splitting inside a fenced code block."""
    out, cur, in_fence = [], [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if cur:
                out.append("\n".join(cur))
                cur = []
        else:
            cur.append(line)
    if cur:
        out.append("\n".join(cur))
    return out


class Wiki:
    """Drives GitStorage the way Otterwiki's views do, and keeps score."""

    def __init__(self, path: Path):
        os.environ["GIT_COMMITTER_NAME"] = "An Otter Wiki"
        os.environ["GIT_COMMITTER_EMAIL"] = "noreply@otterwiki"
        self.storage = GitStorage(str(path), initialize=True)
        self.path = path
        self.commits = 0
        self.messages: dict[str, list[str]] = {}

    def _tick(self) -> None:
        when = f"{START_EPOCH + self.commits * STEP_SECONDS} +0000"
        os.environ["GIT_AUTHOR_DATE"] = when
        os.environ["GIT_COMMITTER_DATE"] = when

    def _record(self, filename: str, message: str) -> None:
        self.messages.setdefault(filename, []).append(message)

    def save(self, filename: str, content: str, author, message: str) -> None:
        self._tick()
        if not self.storage.store(
            filename, normalize(content), message=message, author=author
        ):
            raise SystemExit(f"nothing changed when saving {filename}: {message}")
        self.commits += 1
        self._record(filename, message)

    def upload(self, filename: str, data: bytes, author, message: str) -> None:
        self._tick()
        if not self.storage.store(filename, data, message=message, author=author, mode="wb"):
            raise SystemExit(f"nothing changed when uploading {filename}")
        self.commits += 1
        self._record(filename, message)

    def load(self, filename: str) -> str:
        return self.storage.load(filename)

    def rename_page(self, old: str, new: str, author, message: str,
                    backlinks: tuple[str, str] | None = None) -> None:
        """Like Otterwiki's Page.rename: attachment folder, page file and the
        rewritten backlinks in one commit."""
        self._tick()
        changed: list[str] = []
        old_dir, new_dir = old[:-3], new[:-3]
        if self.storage.exists(old_dir) and self.storage.isdir(old_dir):
            self.storage.rename(old_dir, new_dir, message=message, author=author,
                                no_commit=True)
            changed.append(new_dir)
        self.storage.rename(old, new, message=message, author=author, no_commit=True)
        changed.append(new)
        if backlinks:
            old_name, new_name = backlinks
            pattern = re.compile(r"\[\[" + re.escape(old_name) + r"(\]\]|\|)", re.IGNORECASE)
            for f in self.pages():
                if f == new:
                    continue
                text = self.load(f)
                updated = pattern.sub(lambda m: "[[" + new_name + m.group(1), text)
                if updated != text:
                    self.storage.update(f, updated)
                    changed.append(f)
        self.storage.commit(changed, message, author, no_add=True)
        self.commits += 1
        # history follows the file: carry the messages over to the new name
        self.messages[new] = self.messages.pop(old, []) + [message]

    def delete(self, files: list[str], author, message: str) -> None:
        self._tick()
        self.storage.delete(files, message=message, author=author)
        self.commits += 1

    def pages(self) -> list[str]:
        return sorted(
            f for f in self.storage.repo.git.ls_files("-z").split("\0")
            if f.endswith(".md")
        )

    def files(self) -> list[str]:
        return sorted(f for f in self.storage.repo.git.ls_files("-z").split("\0") if f)


def build_section_page(wiki: Wiki, filename: str, title: str, body: str,
                       authors, intro: str) -> None:
    """Write a page the way people do: a stub, then one block per edit."""
    parts = blocks(body)
    content = f"# {title}\n\n{intro}\n"
    wiki.save(filename, content, authors[0], f"Create {title}")
    for i, part in enumerate(parts):
        content = content.rstrip("\n") + "\n\n" + part + "\n"
        wiki.save(filename, content, authors[(i + 1) % len(authors)],
                  f"{title}: add part {i + 1}")


def png_bytes(name: str) -> bytes:
    return (PACKAGE_DIR / "static" / "img" / name).read_bytes()


def build(repo: Path) -> dict:
    wiki = Wiki(repo)
    read = lambda name: (PACKAGE_DIR / name).read_text(encoding="utf-8")

    # What a fresh Otterwiki commits on first start.
    wiki.save("home.md", read("initial_home.md"), ROBOT, "Initial commit")

    # The complete guides as single pages, later moved and renamed. They come
    # before the section pages, so git's copy detection has nothing to find.
    wiki.save("user guide.md", read("help.md"), GRACE, "Import the user guide")
    wiki.save("admin guide.md", read("help_admin.md"), GRACE, "Import the admin guide")
    guide = wiki.load("user guide.md")
    wiki.save("user guide.md", guide.replace("## User Guide", "# User Guide", 1),
              ADA, "User guide: promote the title")
    admin = wiki.load("admin guide.md")
    wiki.save("admin guide.md", "# Admin Guide\n\n" + admin, ADA, "Admin guide: add a title")

    # The user guide and the admin guide, one page per section, grown edit by edit.
    help_pages: list[tuple[str, str]] = []
    for source, folder, intro in (
        ("help.md", "help", "From the An Otter Wiki user guide."),
        ("help_admin.md", "admin", "From the An Otter Wiki admin guide."),
    ):
        for title, body in split_sections(read(source), "### "):
            name = sanitize_pagename(title)
            filename = f"{folder}/{page_file(name)}"
            build_section_page(wiki, filename, name, body, [ADA, GRACE, LINUS], intro)
            help_pages.append((f"{folder.capitalize()}/{name}", filename))

    # About, built paragraph by paragraph.
    about = blocks(read("about.md"))
    content = ""
    for i, block in enumerate(about):
        content = (content + "\n\n" + block).strip("\n")
        wiki.save("about.md", content, LINUS, f"About: paragraph {i + 1}")

    # Projects: a page with attachments in its folder, sub-pages, a name with a space.
    wiki.save("projects.md", "# Projects\n\n- [[Projects/Alpha]]\n- [[Projects/Beta]]\n",
              ADA, "Start a project list")
    wiki.save("projects/alpha.md",
              "# Alpha\n\nThe first project.\n\n![Diagram](./diagram.png)\n\n"
              "Notes live in [[Projects/Alpha/Notes]]. The [readme](./readme.txt) is attached.\n",
              ADA, "Alpha: first draft")
    wiki.upload("projects/alpha/diagram.png", png_bytes("otterhead.png"), ADA,
                "Uploaded diagram.png")
    wiki.upload("projects/alpha/readme.txt",
                b"Alpha readme\nplain text attachment\n", ADA, "Uploaded readme.txt")
    wiki.upload("projects/alpha/diagram.png", png_bytes("otterhead-100.png"), GRACE,
                "Replace diagram.png with a smaller one")
    notes = "# Notes\n\nMeeting notes for [[Projects/Alpha]].\n"
    wiki.save("projects/alpha/notes.md", notes, GRACE, "Alpha notes")
    for week in range(1, 21):
        notes = notes.rstrip("\n") + (
            f"\n\n## Week {week}\n\n| Topic | Owner | Done |\n|---|---|---|\n"
            f"| Review {week} | Ada | {'yes' if week % 2 else 'no'} |\n"
            f"| Plan {week} | Grace | no |\n"
        )
        wiki.save("projects/alpha/notes.md", notes, [ADA, GRACE][week % 2],
                  f"Notes for week {week}")
    wiki.save("projects/beta.md", "# Beta\n\n![Chart](./chart.png)\n\nBack to [[Projects]].\n",
              LINUS, "Beta: start")
    wiki.upload("projects/beta/chart.png", png_bytes("otter-favicon2.png"), LINUS,
                "Uploaded chart.png")
    plan = "# Big Plan\n\nA page whose name has a space.\n\n- [ ] step one\n- [ ] step two\n"
    wiki.save("projects/big plan.md", plan, ANONYMOUS, "Big Plan")
    wiki.save("projects/big plan.md", plan.replace("- [ ] step one", "- [x] step one"),
              ANONYMOUS, "Step one done")
    wiki.save("über uns.md", "# Über uns\n\nEine Seite mit Umlaut im Namen. Grüße!\n",
              LINUS, "Über uns")

    # A scratch page and a stray attachment, both deleted again.
    wiki.save("scratch.md", "# Scratch\n\ntemporary\n", ANONYMOUS, "scratch")
    wiki.upload("projects/alpha/old.png", png_bytes("otter-favicon.png"), ADA, "Uploaded old.png")
    wiki.delete(["scratch.md"], ADA, "Scratch deleted.")
    wiki.delete(["projects/alpha/old.png"], ADA, "Deleted old.png")

    # Renames, the way the web UI does them.
    wiki.rename_page("user guide.md", "guides/user guide.md", ADA,
                     "Move the user guide into Guides")
    wiki.rename_page("admin guide.md", "guides/administration.md", GRACE,
                     "Rename Admin Guide to Guides/Administration")
    wiki.rename_page("projects/alpha/notes.md", "projects/alpha/meeting notes.md", GRACE,
                     "Rename Notes to Meeting Notes",
                     backlinks=("Projects/Alpha/Notes", "Projects/Alpha/Meeting Notes"))
    wiki.rename_page("projects/beta.md", "projects/gamma.md", LINUS,
                     "Rename Beta to Gamma",
                     backlinks=("Projects/Beta", "Projects/Gamma"))
    wiki.rename_page("about.md", "about otterwiki.md", LINUS, "Rename About")
    wiki.rename_page("guides/user guide.md", "guides/handbook.md", ADA,
                     "Rename the user guide to Handbook")

    # Edits after the renames, so history spans them.
    handbook = wiki.load("guides/handbook.md")
    wiki.save("guides/handbook.md",
              handbook.replace("# User Guide", "# Handbook", 1), ADA, "Handbook: new title")
    gamma = wiki.load("projects/gamma.md")
    wiki.save("projects/gamma.md", gamma.replace("# Beta", "# Gamma", 1), LINUS,
              "Gamma: new title")

    # Home becomes the index, as the Agent Guide recommends.
    lines = ["# Home", "", "Welcome to the otter docs.", "", "## Guides", "",
             "- [[Guides/Handbook]]", "- [[Guides/Administration]]",
             "- [[About Otterwiki]]", "- [[Über uns]]", "", "## Projects", "",
             "- [[Projects]]", "- [[Projects/Alpha]]", "- [[Projects/Gamma]]",
             "- [[Projects/Big Plan|The big plan]]", "", "## Help topics", ""]
    lines += [f"- [[{name}]]" for name, _ in help_pages]
    wiki.save("home.md", "\n".join(lines), ADA, "Home: list every page")
    wiki.save("home.md", "\n".join(lines).replace("otter docs", "Otter docs"), ANONYMOUS,
              "Home: capitalise")

    # Sanity: history as git sees it, not as we counted it.
    count = int(wiki.storage.repo.git.rev_list("--count", "HEAD"))
    if count != wiki.commits:
        raise SystemExit(f"expected {wiki.commits} commits, git has {count}")
    if wiki.storage.repo.is_dirty(untracked_files=True):
        raise SystemExit("working tree is dirty after the last commit")

    content_types = {".png": "image/png", ".txt": "text/plain"}
    attachments = []
    for f in wiki.files():
        if f.endswith(".md"):
            continue
        data = (repo / f).read_bytes()
        folder, name = f.rsplit("/", 1)
        attachments.append({
            "file": f,
            "page": folder,
            "name": name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "content_type": content_types[Path(f).suffix],
        })

    renamed = {
        "guides/handbook.md": ["user guide.md", "guides/user guide.md"],
        "guides/administration.md": ["admin guide.md"],
        "projects/alpha/meeting notes.md": ["projects/alpha/notes.md"],
        "projects/gamma.md": ["projects/beta.md"],
        "about otterwiki.md": ["about.md"],
    }
    renames = []
    for new, olds in renamed.items():
        messages = wiki.messages[new]
        renames.append({
            "file": new,
            "previous_files": olds,
            "messages": messages,
            # the first message was written under the oldest name
            "first_message": messages[0],
        })

    pages = []
    for f in wiki.pages():
        text = wiki.load(f)
        heading = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), None)
        pages.append({"file": f, "heading": heading})

    return {
        "otterwiki_version": otterwiki.__version__,
        "commits": wiki.commits,
        "pages": pages,
        "attachments": attachments,
        "renames": renames,
        "deleted": ["scratch.md", "projects/alpha/old.png"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="directory to create (must not exist)")
    parser.add_argument("--manifest", type=Path, help="write the JSON manifest here")
    args = parser.parse_args()
    if args.repo.exists():
        parser.error(f"{args.repo} already exists; pass a new directory")
    manifest = build(args.repo.resolve())
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    if args.manifest:
        args.manifest.write_text(text + "\n", encoding="utf-8")
    print(f"{args.repo}: {manifest['commits']} commits, {len(manifest['pages'])} pages, "
          f"{len(manifest['attachments'])} attachments, {len(manifest['renames'])} renamed pages "
          f"(otterwiki {manifest['otterwiki_version']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
