/// Paths inside the content folder, as articles write them.
///
/// The site keeps the content folder's layout (`content/img/x.png` is `site/img/x.png`), so a
/// path relative to an article works unchanged relative to its page.
enum ContentPath {
    /// Whether a URL leaves the site: it has a scheme (`https:`, `data:`) or is protocol-relative.
    static func isExternal(_ url: String) -> Bool {
        if url.hasPrefix("//") { return true }
        guard let colon = url.firstIndex(of: ":") else { return false }
        let scheme = url[..<colon]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            && scheme.first!.isLetter
    }

    /// The content-relative path `url` points at from article `sourcePath` (query and fragment
    /// dropped, percent-escapes decoded; a leading `/` is the content folder), or nil when it
    /// leaves the content folder.
    static func resolve(_ url: String, from sourcePath: String) -> String? {
        var path = Substring(url)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        let decoded = percentDecoded(String(path))
        var parts: [Substring] = decoded.hasPrefix("/") ? [] : sourcePath.split(separator: "/").dropLast()
        for component in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(component)
            }
        }
        guard !parts.isEmpty else { return nil }
        return parts.joined(separator: "/")
    }

    /// The URL to use in a page for a local `url` written in article `sourcePath`: unchanged when
    /// relative; made relative to the page when it starts at the content folder (`/img/x.png`).
    static func pageURL(_ url: String, from sourcePath: String) -> String {
        guard url.hasPrefix("/"), !url.hasPrefix("//") else { return url }
        let depth = sourcePath.split(separator: "/").count - 1
        return String(repeating: "../", count: depth) + url.drop { $0 == "/" }
    }

    /// `%20` → space; invalid escapes are kept as written.
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%"), i + 2 < utf8.count, let h = hex(utf8[i + 1]), let l = hex(utf8[i + 2]) {
                bytes.append(h * 16 + l)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
