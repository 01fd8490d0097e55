import Foundation

/// The text of a source file with its line endings made `\n` and a UTF-8 byte-order mark
/// dropped, and a record of how it was written, so a file litmath rewrites (`bless`) gets its
/// own endings back.
///
/// Every text format litmath reads (articles and their front matter, `site.yml`, templates,
/// expectations) is normalised here, once, as it is read: the parsers after it only ever see
/// `\n`. Without this, a Windows editor's `\r\n` hid front matter (Swift's `String` treats
/// `"\r\n"` as one `Character`, so splitting on `"\n"` misses it) and a draft was published.
public struct SourceText: Sendable, Equatable {
    /// How lines ended in the file.
    public enum LineEnding: String, Sendable {
        case lf = "\n", crlf = "\r\n", cr = "\r"
    }

    /// The text, lines ending in `\n`, no byte-order mark.
    public var text: String
    /// The file's line ending: the first one in it (`\n` for a file of one line).
    public var lineEnding: LineEnding
    /// Whether the file began with a UTF-8 byte-order mark.
    public var byteOrderMark: Bool

    /// Creates a record of normalised text.
    public init(text: String, lineEnding: LineEnding = .lf, byteOrderMark: Bool = false) {
        self.text = text
        self.lineEnding = lineEnding
        self.byteOrderMark = byteOrderMark
    }

    /// Normalises decoded text: `\r\n` and lone `\r` become `\n`; a leading U+FEFF is dropped.
    public init(normalizing raw: String) {
        var bytes = Array(raw.utf8)
        var mark = false
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
            mark = true
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var ending: LineEnding?
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x0D {
                let pair = i + 1 < bytes.count && bytes[i + 1] == 0x0A
                if ending == nil { ending = pair ? .crlf : .cr }
                out.append(0x0A)
                i += pair ? 2 : 1
                continue
            }
            if byte == 0x0A, ending == nil { ending = .lf }
            out.append(byte)
            i += 1
        }
        self.init(text: String(decoding: out, as: UTF8.self), lineEnding: ending ?? .lf, byteOrderMark: mark)
    }

    /// The text as the file wrote it: its own line ending and byte-order mark.
    public func restoring(_ text: String) -> String {
        var out = lineEnding == .lf ? text : text.replacingOccurrences(of: "\n", with: lineEnding.rawValue)
        if byteOrderMark { out = "\u{FEFF}" + out }
        return out
    }
}
