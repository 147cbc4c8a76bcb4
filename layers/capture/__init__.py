"""Field capture: a phone page that adds a point feature to a layer from GPS and a
form built from the layer's attribute schema, through OGC API Features Part 4
(POST with X-Client-Id), with an offline exactly-once queue (static/js/capture.js)
and a service worker so the page opens with no network after one visit."""
