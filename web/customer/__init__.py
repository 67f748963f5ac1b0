"""The customers' pages: any procedure's screens (procedures), sign-in and sign-out
(auth), the overview with its quotes and documents, the message centre, the site's own
pages (home, FAQ, privacy), the remembered-device cookie, the quote's PDF."""
