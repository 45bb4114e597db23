"""Search that finds every Chinese word a reader types, from static files (issue 17; being built).

So far only ``fold``: one character to one character (width, Latin case, traditional to
simplified, from OpenCC's own tables), the form both the index and the reader's query take. The
index, the client and the pages come next; nothing calls this package yet.
"""
