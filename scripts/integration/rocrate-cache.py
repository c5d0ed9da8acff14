#!/usr/bin/env python3
"""Fill a requests-cache SQLite database with the RO-Crate 1.1 JSON-LD context, so that
rocrate-validator --offline --cache-path P can run without network access.

Usage: rocrate-cache.py CACHE_PATH

The context's body ships in PyPI rocrate==0.11.0 (rocrate/data/ro-crate.jsonld); newer releases
ship the 1.3 context instead. The validator fetches that context over HTTP unless it runs with
--offline and a cache that already holds it; this script writes a synthetic 200 response for it.
"""
import io
import os
import sys

import requests
import requests_cache
import rocrate
from urllib3 import HTTPResponse

URL = "https://w3id.org/ro/crate/1.1/context"

body = open(os.path.join(os.path.dirname(rocrate.__file__), "data", "ro-crate.jsonld"), "rb").read()
session = requests_cache.CachedSession(cache_name=sys.argv[1], backend="sqlite")
raw = HTTPResponse(body=io.BytesIO(body), headers={"Content-Type": "application/ld+json"},
                   status=200, preload_content=False, request_url=URL)
response = requests.Response()
response.status_code = 200
response.url = URL
response.headers["Content-Type"] = "application/ld+json"
response.raw = raw
response._content = body
response.request = requests.Request("GET", URL).prepare()
session.cache.save_response(response)
print("rocrate-cache: cached %s (%d bytes) in %s" % (URL, len(body), sys.argv[1]))
