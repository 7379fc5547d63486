"""Text from documents reaches Jira as typed: wiki markup in it is escaped, not interpreted."""

from __future__ import annotations

import pytest

from syncer.shell.trackers.markup import markdown_to_wiki


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        # The cases of issue 8, as found.
        ("!http://evil.example/x.png!", "\\!http://evil.example/x.png!"),
        ("h1. Title", "h1&#46; Title"),
        ("  H3. shouting", "  H3&#46; shouting"),
        ("bq. quoted", "bq&#46; quoted"),
        ("-strike- +u+ ^sup^", "\\-strike\\- \\+u\\+ \\^sup\\^"),
        ("~sub~ ??cite??", "\\~sub\\~ \\?\\?cite\\?\\?"),
        ("[x](javascript:alert(1))", "\\[x](javascript:alert(1))"),
        ("{jira:OPS-1}", "\\{jira:OPS-1}"),
        # Macros, mentions, links and monospace written as wiki markup.
        ("{{mono}}", "\\{\\{mono}}"),
        (
            "{code}x{code} {noformat} {color:red}x{color}",
            "\\{code}x\\{code} \\{noformat} \\{color:red}x\\{color}",
        ),
        ("[~alice] and [^file.txt]", "\\[\\~alice] and \\[\\^file.txt]"),
        ("[text|http://x.test]", "\\[text\\|http://x.test]"),
        # Block starts a Jira line would take: rules, lists, tables.
        ("----x", "\\-\\-\\-\\-x"),
        ("#list", "\\#list"),
        ("-dash", "\\-dash"),
        ("|| a || b ||", "\\|\\| a \\|\\| b \\|\\|"),
        # "\\" is a line break in wiki markup: a backslash is written as an entity.
        ("line \\\\ break", "line &#92; break"),
        ("C:\\Users\\ops", "C:&#92;Users&#92;ops"),
        # Entities would be read as the characters they name.
        ("&amp; and &#123; but AT&T", "&amp;amp; and &amp;#123; but AT&T"),
        # Schemes Jira links in plain text, other than http(s).
        (
            "file:///etc/passwd ftp://x svn+ssh://y",
            "file&#58;///etc/passwd ftp&#58;//x svn+ssh&#58;//y",
        ),
        ("see https://ok.test/a", "see https://ok.test/a"),
        # Markdown escapes stay literal wherever they stand.
        ("\\*not em\\*", "\\*not em\\*"),
        ("h1\\. still text", "h1&#46; still text"),
        ("\\# not a heading", "\\# not a heading"),
    ],
)
def test_wiki_markup_in_text_is_escaped(markdown: str, wiki: str) -> None:
    assert markdown_to_wiki(markdown) == wiki


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        # Only http(s) and mailto targets become links; anything else stays as typed.
        ("[a](https://x.test/p?q=1)", "[a|https://x.test/p?q=1]"),
        ("[a](HTTP://X.TEST)", "[a|HTTP://X.TEST]"),
        ("[mail](mailto:ops@x.test)", "[mail|mailto:ops@x.test]"),
        ("[a](ftp://x.test)", "\\[a](ftp&#58;//x.test)"),
        ("[a](../relative.md)", "\\[a](../relative.md)"),
        ("[a](data:text/html,x)", "\\[a](data:text/html,x)"),
        ("<javascript:alert(1)>", "<javascript:alert(1)>"),
        ("<mailto:ops@x.test>", "[mailto:ops@x.test]"),
        # A target cannot close the link early or smuggle markup into it.
        ("[a](https://x.test/a]b|c{d}!e)", "[a|https://x.test/a%5Db%7Cc%7Bd%7D%21e]"),
        # Markdown images become links: Jira never fetches an image named by a document.
        ("![graph](https://x.test/g.png)", "[graph|https://x.test/g.png]"),
        ("![x](javascript:alert(1))", "\\!\\[x](javascript:alert(1))"),
        # A link label is text too.
        ("[{jira:OPS-1} !x!](https://x.test)", "[\\{jira:OPS-1} \\!x\\!|https://x.test]"),
        ("[[~bob]](https://x.test)", "\\[\\[\\~bob]](https://x.test)"),
        ("[`a|b`](https://x.test)", "[{{a\\|b}}|https://x.test]"),
    ],
)
def test_links_only_to_web_and_mail(markdown: str, wiki: str) -> None:
    assert markdown_to_wiki(markdown) == wiki


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        ("`}}{{`", "{{\\}\\}\\{\\{}}"),
        ("`!http://e.test/x.png!`", "{{\\!http://e.test/x.png\\!}}"),
        ("```!```!", "{{\\!}}!"),
        ("`{jira:OPS-1}`", "{{\\{jira:OPS-1\\}}}"),
        # A fenced block that names its own terminator goes in the other kind of block...
        ("```\n{code}\n```", "{noformat}\n{code}\n{noformat}"),
        ("```\n{CODE:java}\n```", "{noformat}\n{CODE:java}\n{noformat}"),
        # ... and in escaped lines when it names both.
        ("```\n{code}{noformat}\nh1. x\n-y\n```", "\\{code}\\{noformat}\nh1&#46; x\n\\-y"),
        ("```\n{noformat}\n```", "{code}\n{noformat}\n{code}"),
    ],
)
def test_code_cannot_break_out(markdown: str, wiki: str) -> None:
    assert markdown_to_wiki(markdown) == wiki


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        # What people write every day reads the same in Jira's editor.
        ("why? done! a - b", "why? done! a - b"),
        (
            "2026-10-02 well-known snake_case 2*3*4 50% x^2",
            "2026-10-02 well-known snake_case 2*3*4 50% x^2",
        ),
        ("**Incident:** INC-7", "*Incident:* INC-7"),
        ("_Kept in step by syncer._", "_Kept in step by syncer._"),
        ("- **b** _i_ ~~s~~ `c`", "* *b* _i_ -s- {{c}}"),
        ("| a | b |\n|---|---|\n|  | x \\| y |", "||a||b||\n| |x \\| y|"),
    ],
)
def test_everyday_text_stays_readable(markdown: str, wiki: str) -> None:
    assert markdown_to_wiki(markdown) == wiki


def test_placeholder_characters_in_the_input_are_not_trusted() -> None:
    # The converter marks cut-out pieces with Unicode noncharacters; a document holding them
    # must not be able to pull one piece into another place.
    assert markdown_to_wiki("[a](https://x.test) \ufdd00\ufdd1 \ufdd2x\ufdd2") == (
        "[a|https://x.test] \ufffd0\ufffd \ufffdx\ufffd"
    )
