import Foundation
import Yams

/// `content/site.yml`: settings for the whole site. Every key is optional; a file that is not
/// there means all defaults. Unknown keys are errors with a "did you mean", so a misspelt
/// `base_ulr` never silently turns the sitemap off.
///
/// ```yaml
/// title: Diffusion schedulers, executed
/// base_url: https://example.org/schedulers/
/// language: en
/// navigation: [index.md, ddpm.md, noise-levels.md]
/// ```
public struct SiteConfiguration: Sendable, Equatable {
    /// The site's name, in every page's `<title>` and the sidebar. Default: the title of `index.md`.
    public var title: String?
    /// Where the site is published, ending in `/`. Turns on `sitemap.xml` and root-based links in the 404 page.
    public var baseURL: String?
    /// The language of the pages (`<html lang>`), a BCP 47 tag. Default `en`.
    public var language: String = "en"
    /// Articles (content-relative `.md` paths) in navigation order; unlisted articles follow.
    public var navigation: [String] = []
    /// Where each navigation entry is written, for diagnostics about entries that name no article.
    var navigationLocations: [SourceLocation] = []

    /// The keys `site.yml` accepts.
    public static let keys = ["title", "base_url", "language", "navigation"]

    /// Creates the default configuration.
    public init() {}

    /// Parses `site.yml`.
    public static func parse(_ text: String, file: String) -> (SiteConfiguration, [Diagnostic]) {
        var configuration = SiteConfiguration()
        var diagnostics: [Diagnostic] = []
        func location(_ node: Yams.Node?) -> SourceLocation {
            SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1)
        }
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let (message, line, column) = YAMLErrors.describe(error)
            diagnostics.append(.error("config.yaml", "invalid YAML in \(configurationName): \(message)",
                                      at: SourceLocation(file: file, line: max(line, 1), column: max(column, 1))))
            return (configuration, diagnostics)
        }
        guard let root else { return (configuration, diagnostics) }
        guard let mapping = root.mapping else {
            diagnostics.append(.error("config.not-mapping", "\(configurationName) must be a mapping of keys to values", at: location(root)))
            return (configuration, diagnostics)
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "title":
                guard let title = value.scalar?.string, !title.trimmingCharacters(in: .whitespaces).isEmpty else {
                    diagnostics.append(.error("config.type", "'title' must be non-empty text", at: location(value)))
                    continue
                }
                configuration.title = title
            case "base_url":
                guard let text = value.scalar?.string, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                      scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil else {
                    diagnostics.append(.error("config.base-url", "'base_url' must be an absolute http or https URL such as 'https://example.org/docs/', not '\(value.string ?? "a collection")'",
                                              at: location(value)))
                    continue
                }
                configuration.baseURL = text.hasSuffix("/") ? text : text + "/"
            case "language":
                guard let tag = value.scalar?.string, tag.range(of: #"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"#, options: .regularExpression) != nil else {
                    diagnostics.append(.error("config.language", "'language' must be a language tag such as 'en' or 'de-CH', not '\(value.string ?? "a collection")'",
                                              at: location(value)))
                    continue
                }
                configuration.language = tag
            case "navigation":
                guard let items = value.sequence else {
                    diagnostics.append(.error("config.type", "'navigation' must be a list of article paths such as [index.md, ddpm.md]", at: location(value)))
                    continue
                }
                for item in items {
                    guard let path = item.scalar?.string, !path.isEmpty else {
                        diagnostics.append(.error("config.type", "a 'navigation' entry must be an article path such as 'ddpm.md'", at: location(item)))
                        continue
                    }
                    if configuration.navigation.contains(path) {
                        diagnostics.append(.error("config.navigation", "'\(path)' is listed twice in 'navigation'", at: location(item)))
                        continue
                    }
                    configuration.navigation.append(path)
                    configuration.navigationLocations.append(location(item))
                }
            default:
                var notes: [String] = []
                if let guess = Spelling.closest(to: key, in: keys) { notes.append("did you mean '\(guess)'?") }
                notes.append("\(configurationName) accepts: \(keys.joined(separator: ", "))")
                diagnostics.append(.error("config.unknown-key", "unknown key '\(key)' in \(configurationName)", at: location(keyNode), notes: notes))
            }
        }
        return (configuration, diagnostics)
    }

    static let configurationName = SiteContent.configurationName

    /// Checks the navigation against the articles that exist (drafts count: they may be listed
    /// while being written).
    func checkNavigation(articles: [String]) -> [Diagnostic] {
        zip(navigation, navigationLocations).compactMap { path, location in
            guard !articles.contains(path) else { return nil }
            var notes: [String] = []
            if let guess = Spelling.closest(to: path, in: articles) { notes.append("did you mean '\(guess)'?") }
            notes.append("articles: \(articles.joined(separator: ", "))")
            return .error("config.navigation", "'navigation' lists '\(path)', which is not an article in the content folder", at: location, notes: notes)
        }
    }
}
