import { type Html, html } from "./html.ts";
import { zoneNote } from "./local-time.ts";

export const ASSET_PATHS = { css: "/web/static/app.css", js: "/web/static/app.js" } as const;

/** The frame of every page: viewport for phones, our one stylesheet and our one script. */
export function layout(title: string, body: Html, header: Html = html``): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATHS.css}">
<script src="${ASSET_PATHS.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">ccc</span>${header}</header>
<main id="main">
${body}
</main>
<footer>${zoneNote()}</footer>
</body>
</html>
`;
}
