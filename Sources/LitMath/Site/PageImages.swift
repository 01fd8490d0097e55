import Foundation

/// The local images articles show: each must be a file of the content folder, which the build
/// copies to the same path in the site (so the path written in the article works from the page).
///
/// The files themselves come with every other static file (`SiteContent.staticFiles`); this only
/// checks that each image an article shows is among them, at the place the image is written.
enum PageImages {
    /// An error for each local image that is not a file of the content folder.
    static func check(_ pages: [Page], content: SiteContent) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for page in pages {
            for link in page.links where link.isImage && !ContentPath.isExternal(link.url) {
                guard let path = ContentPath.resolve(link.url, from: page.sourcePath) else { continue }  // reported by the parser
                guard content.staticFiles[path] == nil else { continue }
                diagnostics.append(.error("image.missing", content.refused.contains(path) ? "image '\(link.url)' links outside the content folder"
                                                                                          : "image '\(link.url)' not found (looked for \(path) in the content folder)",
                                          at: link.location))
            }
        }
        return diagnostics
    }
}
