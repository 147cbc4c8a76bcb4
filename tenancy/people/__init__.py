"""A city's people in the browser: who works for the city, in which role and agency,
and how a city administrator adds, invites and removes them (/<city>/people/)."""
