/// The default stylesheet: readable measure, light and dark following the system, a
/// colour-blind-safe plot palette as CSS custom properties, code colours for Prism's tokens,
/// the search box, phone widths, print.
enum Theme {
    static let css = #"""
:root {
  --lm-bg: #fdfdfc; --lm-fg: #1d1f21; --lm-muted: #5b6168; --lm-rule: #d9dce0; --lm-accent: #0b5cad;
  --lm-code-bg: #f3f4f6; --lm-side-bg: #f6f7f8; --lm-grid: #e3e6ea;
  --lm-s0: #0072B2; --lm-s1: #D55E00; --lm-s2: #009E73; --lm-s3: #CC79A7;
  --lm-s4: #E69F00; --lm-s5: #56B4E9; --lm-s6: #8C6D00; --lm-s7: #000000;
  --lm-k-comment: #5c6570; --lm-k-keyword: #9a2a8f; --lm-k-string: #0a6b2f; --lm-k-number: #8a4b00;
  --lm-k-function: #0b5cad; --lm-k-punctuation: #4a5058;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --lm-bg: #15171a; --lm-fg: #e4e6e9; --lm-muted: #a3a9b1; --lm-rule: #33383e; --lm-accent: #7cb8ff;
    --lm-code-bg: #1f2327; --lm-side-bg: #1a1d20; --lm-grid: #2b3035;
    --lm-s0: #56B4E9; --lm-s1: #FF8A3D; --lm-s2: #3DD6A3; --lm-s3: #E9A3CF;
    --lm-s4: #F5C242; --lm-s5: #9AD4F5; --lm-s6: #D9C36A; --lm-s7: #FFFFFF;
    --lm-k-comment: #939ba5; --lm-k-keyword: #e2a8ff; --lm-k-string: #8fdc9a; --lm-k-number: #ffb070;
    --lm-k-function: #8cc8ff; --lm-k-punctuation: #b8bec6;
  }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--lm-bg); color: var(--lm-fg);
  font: 17px/1.6 "Charter", "Bitstream Charter", "Georgia", "DejaVu Serif", serif; }
a { color: var(--lm-accent); }
.lm-skip { position: absolute; left: -999px; }
.lm-skip:focus { left: 1rem; top: 1rem; background: var(--lm-bg); padding: .5rem; z-index: 10; }
.lm-layout { display: grid; grid-template-columns: 15rem minmax(0, 1fr); max-width: 72rem; margin: 0 auto; }
.lm-sidebar { position: sticky; top: 0; align-self: start; height: 100vh; overflow-y: auto;
  padding: 2rem 1.25rem; border-right: 1px solid var(--lm-rule); background: var(--lm-side-bg);
  font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; }
.lm-site-title { display: block; font-weight: 700; font-size: 1.1rem; color: var(--lm-fg); text-decoration: none; margin-bottom: 1rem; }
.lm-sidebar ol { list-style: none; margin: 0; padding: 0; }
.lm-sidebar li { margin: .35rem 0; }
.lm-sidebar a[aria-current="page"] { font-weight: 700; color: var(--lm-fg); }
.lm-search { margin: 0 0 1rem; }
.lm-search-input { width: 100%; font: inherit; padding: .35rem .5rem; border: 1px solid var(--lm-rule); border-radius: 4px;
  background: var(--lm-bg); color: var(--lm-fg); }
.lm-search-results { list-style: none; margin: .5rem 0 0; padding: 0; }
.lm-search-results li { margin: 0 0 .65rem; overflow-wrap: anywhere; }
.lm-search-snippet { display: block; color: var(--lm-muted); font-size: .85rem; }
main { padding: 2rem 2.5rem 3rem; min-width: 0; }
article { max-width: 42rem; }
h1, h2, h3, h4 { font-family: system-ui, "DejaVu Sans", sans-serif; line-height: 1.25; margin: 2rem 0 .75rem; }
h1 { font-size: 2rem; margin-top: 0; }
.lm-anchor { margin-left: .4rem; opacity: 0; text-decoration: none; color: var(--lm-muted); font-weight: 400; }
h1:hover .lm-anchor, h2:hover .lm-anchor, h3:hover .lm-anchor, .lm-anchor:focus { opacity: 1; }
code, pre { font: 0.88em/1.5 "DejaVu Sans Mono", ui-monospace, monospace; }
code { background: var(--lm-code-bg); padding: .1em .3em; border-radius: 3px; }
pre { background: var(--lm-code-bg); padding: .9rem 1rem; overflow-x: auto; border-radius: 6px; }
pre code { background: none; padding: 0; }
/* Code highlighted at build time by Prism (token classes only; no script on the page). */
.token.comment, .token.prolog, .token.shebang { color: var(--lm-k-comment); font-style: italic; }
.token.keyword, .token.atrule, .token.directive, .token.important { color: var(--lm-k-keyword); }
.token.string, .token.char, .token.string-literal, .token.triple-quoted-string { color: var(--lm-k-string); }
.token.number, .token.boolean, .token.constant, .token.nil { color: var(--lm-k-number); }
.token.function, .token.class-name, .token.builtin, .token.decorator, .token.attribute { color: var(--lm-k-function); }
.token.punctuation, .token.operator { color: var(--lm-k-punctuation); }
.token.interpolation-punctuation { color: var(--lm-k-keyword); }
blockquote { margin: 1rem 0; padding: 0 1rem; border-left: 3px solid var(--lm-rule); color: var(--lm-muted); }
.katex-display { overflow-x: auto; overflow-y: hidden; padding: .25rem 0; }
/* KaTeX sets a \tag's number at the right edge of the line, absolutely, so a formula wider than
   the column runs under it. Laid out in a row instead, the number follows the formula, the line
   is as wide as both, and the box scrolls; a narrow formula stays centred, its number at the right. */
.katex-display > .katex > .katex-html:has(> .tag) { display: flex; align-items: baseline; width: max-content; min-width: 100%; }
.katex-display > .katex > .katex-html:has(> .tag) > .base:first-child { margin-left: auto; }
.katex-display > .katex > .katex-html:has(> .tag) > .base:nth-last-child(2) { margin-right: auto; }
.katex-display > .katex > .katex-html > .tag { position: static; flex: none; padding-left: 1.5em; }
figure { margin: 1.75rem 0; }
.lm-figure-title { margin: 0 0 .5rem; font: 600 15px/1.4 system-ui, "DejaVu Sans", sans-serif; color: var(--lm-fg); }
figcaption, caption { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; color: var(--lm-muted); text-align: left; margin: .5rem 0; }
.lm-plot { width: 100%; height: auto; display: block; font: 13px system-ui, "DejaVu Sans", sans-serif; }
.lm-plot text { fill: var(--lm-fg); }
.lm-axis-label-html { font: 13px system-ui, "DejaVu Sans", sans-serif; text-align: center; color: var(--lm-fg); line-height: 28px; white-space: nowrap; }
.lm-plot .lm-tick { fill: var(--lm-muted); }
.lm-plot .lm-grid { stroke: var(--lm-grid); stroke-width: 1; }
.lm-plot .lm-minor { stroke-dasharray: 2 3; }
.lm-plot .lm-frame { fill: none; stroke: var(--lm-muted); stroke-width: 1; }
.lm-plot .lm-series { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
.lm-plot .lm-bars { stroke-width: 1; }
.lm-plot .lm-panel-title { font-weight: 600; }
/* A table wider than the column scrolls in its box. A shadow marks the side with more columns
   (the covers move with the content, the shadows stay with the box), so a half-shown column
   reads as "scroll", not as "clipped". */
.lm-table-scroll { overflow-x: auto;
  background: linear-gradient(to right, var(--lm-bg) 40%, transparent) left center / 2.5rem 100% no-repeat local,
    linear-gradient(to left, var(--lm-bg) 40%, transparent) right center / 2.5rem 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, color-mix(in srgb, var(--lm-fg) 22%, transparent), transparent) left center / .9rem 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, color-mix(in srgb, var(--lm-fg) 22%, transparent), transparent) right center / .9rem 100% no-repeat scroll; }
/* A scroll container must also be the containing block of what it scrolls: KaTeX's hidden
   MathML is absolutely positioned, and without this it escapes the container and widens the
   page on phones. */
.lm-table-scroll, .katex-display, pre { position: relative; }
.lm-value { white-space: nowrap; }
.lm-definition { margin: 1rem 0; font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; }
.lm-definition summary { cursor: pointer; color: var(--lm-muted); }
table { border-collapse: collapse; font: 15px/1.4 system-ui, "DejaVu Sans", sans-serif; font-variant-numeric: tabular-nums; }
th, td { padding: .35rem .8rem; border-bottom: 1px solid var(--lm-rule); }
thead th { border-bottom: 2px solid var(--lm-fg); text-align: right; }
td.num, th.num { text-align: right; white-space: nowrap; }
caption { caption-side: top; }
.lm-pager { display: flex; justify-content: space-between; gap: 1rem; max-width: 42rem; margin-top: 3rem;
  padding-top: 1rem; border-top: 1px solid var(--lm-rule); font-family: system-ui, "DejaVu Sans", sans-serif; }
.lm-pager span { display: block; font-size: .8rem; color: var(--lm-muted); }
.lm-next { margin-left: auto; text-align: right; }
.lm-footer { max-width: 72rem; margin: 0 auto; padding: 1.5rem 2.5rem; color: var(--lm-muted);
  font: 13px system-ui, "DejaVu Sans", sans-serif; border-top: 1px solid var(--lm-rule); }
@media (max-width: 50rem) {
  .lm-layout { display: block; }
  .lm-sidebar { position: static; height: auto; border-right: none; border-bottom: 1px solid var(--lm-rule); padding: 1rem; }
  .lm-sidebar ol { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
  .lm-sidebar .lm-search-results { display: block; }
  main { padding: 1.25rem 1rem 2rem; }
  body { font-size: 16px; }
}
/* Markdown beyond cmark: table of contents, footnotes, callouts, figures, pipe tables, references. */
.lm-toc { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 0 0 1.5rem; padding: .75rem 1rem;
  border: 1px solid var(--lm-rule); border-radius: 6px; max-width: 42rem; }
.lm-toc-title { margin: 0 0 .35rem; font-weight: 700; color: var(--lm-muted); }
.lm-toc ol { list-style: none; margin: 0; padding: 0; }
.lm-toc ol ol { padding-left: 1rem; }
.lm-toc li { margin: .2rem 0; }
.lm-toc a { text-decoration: none; }
.lm-toc a:hover, .lm-toc a:focus { text-decoration: underline; }
@media (min-width: 80rem) {
  .lm-layout:has(main.lm-has-toc) { max-width: 86rem; }
  main.lm-has-toc { display: grid; grid-template-columns: minmax(0, 42rem) 13rem; column-gap: 3rem; align-items: start; }
  main.lm-has-toc > article, main.lm-has-toc > .lm-pager { grid-column: 1; }
  main.lm-has-toc > .lm-toc { grid-column: 2; grid-row: 1 / span 2; position: sticky; top: 2rem; margin: 0;
    max-height: calc(100vh - 4rem); overflow-y: auto; border: none; border-left: 1px solid var(--lm-rule); border-radius: 0; }
}
.lm-equation { display: block; scroll-margin-top: 1rem; }
.lm-equation:target, .lm-figure:target, .lm-plot-figure:target, .lm-table:target, table:target, .lm-footnotes li:target {
  background: color-mix(in srgb, var(--lm-accent) 10%, transparent); }
.lm-fnref { line-height: 0; }
.lm-fnref a { text-decoration: none; padding: 0 .1em; }
.lm-footnotes { margin-top: 3rem; padding-top: .5rem; border-top: 1px solid var(--lm-rule); font-size: .92em; }
.lm-footnotes h2 { font-size: 1rem; margin: .5rem 0; color: var(--lm-muted); }
.lm-footnotes ol { padding-left: 1.5rem; }
.lm-fnback { text-decoration: none; }
.callout { margin: 1.25rem 0; padding: .6rem 1rem; border-left: 4px solid var(--lm-callout, var(--lm-accent));
  background: color-mix(in srgb, var(--lm-callout, var(--lm-accent)) 8%, transparent); border-radius: 0 6px 6px 0; }
.callout > :last-child { margin-bottom: .25rem; }
.callout-title { margin: 0 0 .3rem; font: 700 15px/1.45 system-ui, "DejaVu Sans", sans-serif; color: var(--lm-callout, var(--lm-accent)); }
.callout.note { --lm-callout: #0b5cad; }
.callout.tip { --lm-callout: #1a7f37; }
.callout.important { --lm-callout: #8250df; }
.callout.warning { --lm-callout: #9a6700; }
.callout.caution { --lm-callout: #cf222e; }
@media (prefers-color-scheme: dark) {
  .callout.note { --lm-callout: #7cb8ff; }
  .callout.tip { --lm-callout: #57d37a; }
  .callout.important { --lm-callout: #c297ff; }
  .callout.warning { --lm-callout: #e3b341; }
  .callout.caution { --lm-callout: #ff7b72; }
}
.lm-figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
article img { max-width: 100%; height: auto; }
.lm-figure-number { font-weight: 700; color: var(--lm-fg); }
.lm-md-table th, .lm-md-table td { text-align: left; }
.lm-md-table thead th { text-align: left; }
.lm-ref { white-space: nowrap; }
@media print {
}
@media print {
  .lm-sidebar, .lm-pager, .lm-skip, .lm-anchor { display: none; }
  .lm-layout { display: block; }
  body { background: #fff; color: #000; }
  a { color: inherit; }
}
"""#
}
