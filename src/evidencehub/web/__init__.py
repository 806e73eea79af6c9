"""The hub as a web application: readers' pages rendered from the store, accounts with roles,
and the reviewers' and editors' work in the browser (``evidencehub serve``).

* :mod:`~evidencehub.web.app` assembles the app; :mod:`~evidencehub.web.routing` describes
  routes as data; :mod:`~evidencehub.web.guard` checks roles and CSRF tokens;
  :mod:`~evidencehub.web.security` sends the security headers and throttles sign-ins;
  :mod:`~evidencehub.web.auth` signs in and out; :mod:`~evidencehub.web.passwords` hashes.
* :mod:`~evidencehub.web.view` keeps the published snapshot while the store is unchanged;
  :mod:`~evidencehub.web.reader` serves the site's pages from it;
  :mod:`~evidencehub.web.search` searches the store.
"""
