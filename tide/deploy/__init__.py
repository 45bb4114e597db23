"""``build.py deploy``: the built site to object storage through the S3 API: a tool around the engine.

``target`` is where (site.yaml's ``deploy:`` and the options, each provider's client), ``local``
the built files with their MD5, headers and upload stage, ``remote`` what the bucket holds (and
the record in .cache/ of what was sent), ``plan`` the difference, ``publish`` the safe order of
uploads and deletions, ``cli`` the command. The engine never imports this package.
"""
