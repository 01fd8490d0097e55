/// A small HTML/SVG tree that escapes by construction.
///
/// Text from content or computation goes in `.text` and attribute values, which are always
/// escaped. `.raw` is only for markup this program produced itself or got from a trusted
/// renderer (KaTeX). Nothing is ever interpolated into markup by hand.
public indirect enum HTMLNode: Sendable, Equatable {
    /// An element with attributes (kept in the given order, so output is deterministic).
    case element(String, [(String, String)], [HTMLNode])
    /// A void element such as `<br>`, `<img>` or SVG's `<line>` (no children, written self-closing).
    case void(String, [(String, String)])
    /// Text, escaped when rendered.
    case text(String)
    /// Trusted markup, inserted as is.
    case raw(String)
    /// Several nodes with no wrapper.
    case fragment([HTMLNode])

    public static func == (a: HTMLNode, b: HTMLNode) -> Bool { a.rendered == b.rendered }

    /// Builds an element; `nil` attribute values are left out.
    public static func el(_ name: String, _ attributes: [(String, String?)] = [], _ children: [HTMLNode] = []) -> HTMLNode {
        .element(name, attributes.compactMap { key, value in value.map { (key, $0) } }, children)
    }

    /// Builds a void element; `nil` attribute values are left out.
    public static func single(_ name: String, _ attributes: [(String, String?)]) -> HTMLNode {
        .void(name, attributes.compactMap { key, value in value.map { (key, $0) } })
    }

    /// Builds an element holding only text.
    public static func el(_ name: String, _ attributes: [(String, String?)] = [], text: String) -> HTMLNode {
        el(name, attributes, [.text(text)])
    }

    /// The markup.
    public var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    /// Appends the markup to `out` (one buffer for a whole page).
    public func render(into out: inout String) {
        switch self {
        case let .element(name, attributes, children):
            out += "<" + name
            Self.appendAttributes(attributes, to: &out)
            out += ">"
            for child in children { child.render(into: &out) }
            out += "</" + name + ">"
        case let .void(name, attributes):
            out += "<" + name
            Self.appendAttributes(attributes, to: &out)
            // Self-closing: required for SVG elements in HTML (foreign content), harmless for HTML voids.
            out += "/>"
        case let .text(text):
            out += Self.escape(text)
        case let .raw(markup):
            out += markup
        case let .fragment(nodes):
            for node in nodes { node.render(into: &out) }
        }
    }

    private static func appendAttributes(_ attributes: [(String, String)], to out: inout String) {
        for (key, value) in attributes {
            out += " " + key + "=\"" + escape(value, quotes: true) + "\""
        }
    }

    /// Escapes `&`, `<`, `>` (and `"` in attribute values).
    public static func escape(_ text: String, quotes: Bool = false) -> String {
        var needs = false
        for scalar in text.unicodeScalars where scalar == "&" || scalar == "<" || scalar == ">" || (quotes && scalar == "\"") {
            needs = true
            break
        }
        guard needs else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
