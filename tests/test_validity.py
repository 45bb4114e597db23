"""The built sample site passes the Nu Html Checker (HTML and CSS) with zero errors."""

from __future__ import annotations

from pathlib import Path

from audits import run_vnu


def test_the_sample_site_has_no_html_or_css_errors(sample_site: Path) -> None:
    errors = run_vnu(sample_site)
    assert errors == [], "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors)


def test_the_checker_really_reports_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.html").write_text("<!doctype html><html lang=zh-CN><title>x</title><p><div></p>")
    assert run_vnu(tmp_path), "the checker found nothing in a broken page: it is not running"


def test_drafts_redirects_and_author_pages_are_valid_too(tmp_path: Path) -> None:
    from conftest import Project

    project = Project(tmp_path / "p")
    project.write("content/data/authors.yaml", "lin-qiao: {name: 林桥, bio: 主笔}\n")
    project.write("content/data/promos.yaml", "- {title: 订阅周报, text: 每周五, url: /}\n")
    project.article("a", front="draft: true\nauthors: [lin-qiao]\naliases: [/old/]\ntags: [零售]\ncategory: 深度")
    project.article("b", body="## 一\n\n## 二\n\n## 三\n\n```python\nprint('代码')\n```\n\n正文[^1]\n\n[^1]: 注释\n")
    project.build(drafts=True)
    errors = run_vnu(project.site)
    assert errors == [], "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors)
