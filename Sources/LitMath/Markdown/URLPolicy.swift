/// Which link and image destinations a page may carry: one rule for every `href` and `src` that
/// comes from content.
///
/// Allowed: relative paths and fragments, and the schemes `http`, `https`, `mailto` and `tel`.
/// Everything else with a scheme is refused at the place it is written — `javascript:`,
/// `vbscript:` and `data:` above all, which run script or carry a page of their own when
/// clicked — whatever its letter case, and however it is disguised: browsers drop tabs and
/// newlines anywhere in a URL and spaces and control characters around it before they read
/// the scheme (WHATWG URL parsing), and cmark has already decoded entities such as `&#106;`,
/// so the scheme is read the way a browser would read it. A percent-escape cannot form a scheme
/// (`%6Aavascript:` is a relative path to a browser too).
///
/// An allow-list rather than a deny-list, because a scheme nobody thought of (`vbscript:` was
/// one once) should fail closed. Images litmath embeds itself never pass through here.
enum URLPolicy {
    /// Schemes a link may use.
    static let allowedSchemes: Set<String> = ["http", "https", "mailto", "tel"]
    /// Schemes refused with a word on why: they run code or hold a document of their own.
    static let scriptSchemes: Set<String> = ["javascript", "vbscript", "data"]

    /// The scheme of `url` as a browser reads it, lower-cased; nil for a relative URL.
    static func scheme(of url: String) -> String? {
        // Leading and trailing C0 controls and spaces are stripped; tab, LF and CR are removed everywhere.
        var scalars = Array(url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" })
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        guard let colon = scalars.firstIndex(of: ":"), colon > 0 else { return nil }
        let candidate = scalars[..<colon]
        guard let first = candidate.first, first.isASCIILetter,
              candidate.allSatisfy({ $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == "." }) else { return nil }
        return String(String.UnicodeScalarView(candidate)).lowercased()
    }

    /// Why `url` may not appear in a page, or nil when it may.
    static func refusal(of url: String, isImage: Bool) -> (message: String, note: String)? {
        guard let scheme = scheme(of: url), !allowedSchemes.contains(scheme) else { return nil }
        let what = isImage ? "image" : "link"
        if scriptSchemes.contains(scheme) {
            return ("\(what) with a '\(scheme):' URL is not allowed: it can run script in the reader's browser",
                    isImage ? "put the image in the content folder and write its path" : "link to a page or an http(s) address instead")
        }
        return ("\(what) scheme '\(scheme):' is not allowed", "allowed: relative paths, \(allowedSchemes.sorted().map { $0 + ":" }.joined(separator: ", "))")
    }

    /// `url` if a page may carry it, else nil (the renderer then writes no `href`/`src`): a second
    /// line of defence behind the build error, for pages rendered while errors are shown (`serve`).
    static func permitted(_ url: String, isImage: Bool = false) -> String? {
        refusal(of: url, isImage: isImage) == nil ? url : nil
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
