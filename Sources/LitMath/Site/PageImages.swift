import Foundation

/// The local images articles show: each must be a file in the content folder, and is copied to
/// the same path in the site (so the path written in the article works from the page).
enum PageImages {
    /// Output path → bytes of every local image, and an error for each one that is missing.
    static func load(_ pages: [Page], from contentDirectory: URL) -> (files: [String: Data], diagnostics: [Diagnostic]) {
        let root = contentDirectory.standardizedFileURL.resolvingSymlinksInPath()
        var files: [String: Data] = [:]
        var diagnostics: [Diagnostic] = []
        for page in pages {
            for link in page.links where link.isImage && !ContentPath.isExternal(link.url) {
                guard let path = ContentPath.resolve(link.url, from: page.sourcePath) else { continue }  // reported by the parser
                if files[path] != nil { continue }
                let url = root.appendingPathComponent(path).resolvingSymlinksInPath()
                var isDirectory: ObjCBool = false
                guard url.path.hasPrefix(root.path + "/"), FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
                      !isDirectory.boolValue, let data = FileManager.default.contents(atPath: url.path) else {
                    let outside = !url.path.hasPrefix(root.path + "/")
                    diagnostics.append(.error("image.missing", outside ? "image '\(link.url)' links outside the content folder"
                                                                        : "image '\(link.url)' not found (looked for \(path) in the content folder)",
                                              at: link.location))
                    continue
                }
                files[path] = data
            }
        }
        return (files, diagnostics)
    }
}
