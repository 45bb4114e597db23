"""tide: the static site generator behind 观潮商业评论.

One module per pipeline stage; read them in this order:
errors, cjk, config, content, markup, site, templates, output, pipeline, serve.
"""

__version__ = "0.1.0"
