import Foundation

/// A Markdown file found in the content folder.
struct ContentSource: Sendable {
    /// Path relative to the content folder, with `/` separators.
    var relativePath: String
    var url: URL
    var data: Data

    struct DiscoveryError: Error, CustomStringConvertible {
        var description: String
    }

    /// Every `*.md` file under `directory`, sorted by path; hidden files and folders are skipped,
    /// and symbolic links that leave the content folder are refused.
    static func discover(in directory: URL) throws -> [ContentSource] {
        let fm = FileManager.default
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DiscoveryError(description: "content folder '\(SiteBuilder.displayPath(directory))' does not exist")
        }
        guard let enumerator = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
            throw DiscoveryError(description: "cannot read content folder '\(SiteBuilder.displayPath(directory))'")
        }
        var sources: [ContentSource] = []
        for case let url as URL in enumerator where url.pathExtension == "md" {
            let resolved = url.resolvingSymlinksInPath()
            guard resolved.path.hasPrefix(root.path + "/") else {
                throw DiscoveryError(description: "'\(SiteBuilder.displayPath(url))' links outside the content folder")
            }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            guard let data = fm.contents(atPath: resolved.path) else {
                throw DiscoveryError(description: "cannot read '\(SiteBuilder.displayPath(url))'")
            }
            sources.append(ContentSource(relativePath: relative, url: url, data: data))
        }
        return sources.sorted { $0.relativePath < $1.relativePath }
    }

    /// Strict UTF-8 decoding; on failure, the position of the first bad byte.
    static func decode(_ data: Data) -> Result<String, BadByte> {
        if let text = String(validatingUTF8: data) { return .success(text) }
        var line = 1, column = 1
        var decoder = UTF8()
        var bytes = CountingIterator(base: data.makeIterator(), count: 0)
        while true {
            let before = bytes.count
            switch decoder.decode(&bytes) {
            case let .scalarValue(scalar):
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                return .failure(BadByte(offset: bytes.count, line: line, column: column))
            case .error:
                return .failure(BadByte(offset: before, line: line, column: column))
            }
        }
    }

    struct BadByte: Error {
        var offset: Int
        var line: Int
        var column: Int
    }

    struct CountingIterator: IteratorProtocol {
        var base: Data.Iterator
        var count: Int
        mutating func next() -> UInt8? {
            let byte = base.next()
            if byte != nil { count += 1 }
            return byte
        }
    }
}

extension String {
    /// Decodes UTF-8, returning nil for any invalid sequence (Foundation's decoder would repair it).
    init?(validatingUTF8 data: Data) {
        var decoder = UTF8()
        var iterator = data.makeIterator()
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): scalars.append(s)
            case .emptyInput: self = String(scalars); return
            case .error: return nil
            }
        }
    }
}
