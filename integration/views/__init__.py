"""The integration app's own pages: synchronization, coupling, the full synchronization review.

Views are thin: they turn the request into a service call and the answer into a page. Every
page needs a staff login (the admin's) and the permission of its action (403 without).
"""
