/// The default theme's page templates (Mustache). An author replaces any of them by writing a
/// file of the same name in `content/_templates/` — `page.mustache` for the whole document, or
/// just `footer.mustache` — and may add partials of their own.
///
/// `{{name}}` is escaped for HTML (text and attribute values alike); `{{{name}}}` inserts markup
/// and is only used for HTML that litmath built itself (`content`). The variables are listed in
/// `TemplateContext` and in the README.
enum DefaultTemplates {
    /// Template name → source.
    static let all: [String: String] = [
        "page": page, "head": head, "sidebar": sidebar, "search": search, "toc": toc,
        "pager": pager, "footer": footer, "scripts": scripts,
    ]

    static let page = """
    <!DOCTYPE html>
    <html lang="{{site.language}}">
    {{> head}}
    <body>
    <a class="lm-skip" href="#main">Skip to content</a>
    <div class="lm-layout">
    {{> sidebar}}
    <main id="main"{{#has_toc}} class="lm-has-toc"{{/has_toc}}>
    {{> toc}}
    <article>{{#show_title}}<h1>{{page.title}}</h1>{{/show_title}}{{{content}}}</article>
    {{> pager}}
    </main>
    </div>
    {{> footer}}
    {{> scripts}}
    </body>
    </html>

    """

    static let head = """
    <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <meta name="color-scheme" content="light dark"/>
    <title>{{document_title}}</title>
    {{#page.description}}
    <meta name="description" content="{{page.description}}"/>
    {{/page.description}}
    {{#page.url}}
    <link rel="canonical" href="{{page.url}}"/>
    {{/page.url}}
    <link rel="stylesheet" href="{{assets.katex_stylesheet}}"/>
    <link rel="stylesheet" href="{{assets.stylesheet}}"/>
    </head>

    """

    static let sidebar = """
    <nav class="lm-sidebar" aria-label="Articles">
    <a class="lm-site-title" href="{{home}}">{{site.title}}</a>
    {{> search}}
    <ol>
    {{#navigation}}
    <li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{title}}</a></li>
    {{/navigation}}
    </ol>
    </nav>

    """

    /// Hidden until the search script runs: without JavaScript the page shows no dead search box.
    static let search = """
    {{#site.search}}
    <form class="lm-search" role="search" data-root="{{root}}" hidden>
    <input class="lm-search-input" type="search" placeholder="Search" aria-label="Search the articles" autocomplete="off" spellcheck="false"/>
    <ol class="lm-search-results" aria-label="Search results" hidden></ol>
    </form>
    {{/site.search}}

    """

    /// The table of contents, beside the article on wide screens and above it on narrow ones.
    static let toc = """
    {{{toc_html}}}

    """

    static let pager = """
    {{#has_pager}}
    <nav class="lm-pager" aria-label="Previous and next">
    {{#previous}}
    <a class="lm-prev" href="{{href}}" rel="prev"><span>Previous</span> {{title}}</a>
    {{/previous}}
    {{#next}}
    <a class="lm-next" href="{{href}}" rel="next"><span>Next</span> {{title}}</a>
    {{/next}}
    </nav>
    {{/has_pager}}

    """

    static let footer = """
    <footer class="lm-footer">Built with litmath. Every number on this page was computed by DiffusionSchedulers at build time.</footer>

    """

    static let scripts = """
    {{#site.search}}
    <script src="{{assets.search_index}}" defer></script>
    <script src="{{assets.search_script}}" defer></script>
    {{/site.search}}

    """
}
