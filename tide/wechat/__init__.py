"""WeChat public-account articles into content/ (``build.py import``): a tool around the engine.

``rules`` says what a line is (credit, caption, boilerplate), ``text`` and ``page`` read copied
text and saved pages into ``blocks``, ``pictures`` fetches and recognises the pictures, and
``importer`` writes, checks and reports. The engine never imports this package.
"""
