import Foundation

/// Everything a build reads from the content folder, in memory: articles, the site
/// configuration, templates and static files.
///
/// Reading the folder (`read(from:)`) is the only step that touches the file system; the rest of
/// a build is a function of this value, so tests can build a whole site from a dictionary.
public struct SiteContent: Sendable {
    /// A text file: its path relative to the content folder, the path shown in diagnostics, and its text.
    public struct TextFile: Sendable {
        public var path: String
        public var display: String
        public var text: String

        public init(path: String, display: String, text: String) {
            self.path = path
            self.display = display
            self.text = text
        }
    }

    /// The Markdown articles (`*.md`), sorted by path.
    public var articles: [TextFile] = []
    /// `site.yml` at the top of the content folder, if there is one.
    public var configuration: TextFile?
    /// The author's templates, `_templates/NAME.mustache`, sorted by path.
    public var templates: [TextFile] = []
    /// Every other file, copied into the site at the same relative path.
    public var staticFiles: [String: Data] = [:]
    /// The expectation files of the articles (`_expected/<article>.txt`), by article path: what
    /// `bless` recorded of the figures the articles' Swift examples show, which the build draws.
    public var expectations: [String: TextFile] = [:]
    /// Files that are there but were refused (links out of the folder, pipes), by relative path,
    /// so that an image pointing at one is told why rather than "not found".
    public var refused: Set<String> = []

    /// Creates content.
    public init(articles: [TextFile] = [], configuration: TextFile? = nil, templates: [TextFile] = [], staticFiles: [String: Data] = [:]) {
        self.articles = articles
        self.configuration = configuration
        self.templates = templates
        self.staticFiles = staticFiles
    }

    /// The name of the site configuration file at the top of the content folder.
    public static let configurationName = "site.yml"
    /// The folder of author templates.
    public static let templatesFolder = "_templates"
    /// Articles larger than this are refused: real articles are a few hundred kilobytes, and a
    /// file of many megabytes is a mistake (a data file with the wrong extension) that would make
    /// a build crawl.
    public static let maximumArticleSize = ProjectFile.textLimit

    /// Why the content folder cannot be read at all (a setup error, not a content error).
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the content folder. Hidden files and folders are skipped, and so are folders whose
    /// name starts with `_` (such as `_expected`), except `_templates`. Problems with single
    /// files — a link out of the folder, a file that is not a regular file, invalid UTF-8, a
    /// huge article — are diagnostics; a missing or unreadable folder throws.
    static func read(from directory: URL) throws -> (SiteContent, [Diagnostic]) {
        let fm = FileManager.default
        let root = ProjectFile.canonicalPath(directory).map { URL(fileURLWithPath: $0) } ?? directory.standardizedFileURL.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Unreadable(description: "content folder '\(SiteBuilder.displayPath(directory))' does not exist")
        }
        guard fm.isReadableFile(atPath: root.path), let top = try? fm.contentsOfDirectory(atPath: root.path) else {
            throw Unreadable(description: "cannot read content folder '\(SiteBuilder.displayPath(directory))'")
        }
        var content = SiteContent()
        var diagnostics: [Diagnostic] = []
        // An explicit walk (not FileManager's enumerator) so that symbolic links are judged before
        // anything is opened, and a link to a folder is never followed into a loop.
        var pending: [(relative: String, names: [String])] = [("", top.sorted())]
        while let (folder, names) = pending.popLast() {
            for name in names.sorted().reversed() where !name.hasPrefix(".") {
                let relative = folder.isEmpty ? name : folder + "/" + name
                let url = root.appendingPathComponent(relative)
                let display = SiteBuilder.displayPath(directory.appendingPathComponent(relative))
                let resolved = url.resolvingSymlinksInPath()
                if resolved.path != url.path {
                    guard resolved.path.hasPrefix(root.path + "/") else {
                        content.refused.insert(relative)
                        diagnostics.append(.error("content.link-outside", "'\(relative)' is a symbolic link to '\(resolved.path)', outside the content folder",
                                                  at: .file(display), notes: ["copy the file into the content folder instead"]))
                        continue
                    }
                }
                guard let attributes = try? fm.attributesOfItem(atPath: resolved.path), let type = attributes[.type] as? FileAttributeType else {
                    diagnostics.append(.error("content.unreadable", "cannot read '\(relative)' (a broken symbolic link?)", at: .file(display)))
                    continue
                }
                if type == .typeDirectory {
                    if resolved.path != url.path { continue } // a link to a folder inside: its files are found there
                    if folder.isEmpty && name.hasPrefix("_") && name != templatesFolder { continue }
                    if !folder.isEmpty && name.hasPrefix("_") { continue }
                    guard let children = try? fm.contentsOfDirectory(atPath: url.path) else {
                        diagnostics.append(.error("content.unreadable", "cannot read folder '\(relative)'", at: .file(display)))
                        continue
                    }
                    pending.append((relative, children))
                    continue
                }
                guard type == .typeRegular else {
                    content.refused.insert(relative)
                    let kind = switch type {
                    case .typeSymbolicLink: "a broken or looping symbolic link"
                    case .typeCharacterSpecial, .typeBlockSpecial: "a device"
                    case .typeSocket: "a socket"
                    default: "a pipe or other special file"
                    }
                    diagnostics.append(.error("content.not-a-file", "'\(relative)' is \(kind), not a regular file; litmath reads only files and folders",
                                              at: .file(display)))
                    continue
                }
                let inTemplates = folder == templatesFolder || folder.hasPrefix(templatesFolder + "/")
                let isText = name.hasSuffix(".md") || inTemplates || relative == configurationName
                let data: Data
                switch ProjectFile.read(url, within: root.path, limit: isText ? ProjectFile.textLimit : ProjectFile.staticLimit) {
                case let .success(read):
                    data = read
                case let .failure(.tooLarge(size, limit)):
                    diagnostics.append(.error("content.too-large", "'\(relative)' is \(size) bytes; \(isText ? "text" : "static") files are limited to \(limit >> 20) MiB",
                                              at: .file(display)))
                    continue
                case let .failure(refusal):
                    content.refused.insert(relative)
                    diagnostics.append(.error("content.unreadable", "cannot read '\(relative)': \(refusal)", at: .file(display)))
                    continue
                }
                guard isText else {
                    content.staticFiles[relative] = data
                    continue
                }
                let text: String
                switch decode(data) {
                case let .success(decoded):
                    text = decoded
                case let .failure(position):
                    diagnostics.append(.error("source.utf8", "file is not valid UTF-8 (first bad byte at offset \(position.offset))",
                                              at: SourceLocation(file: display, line: position.line, column: position.column)))
                    continue
                }
                let file = TextFile(path: relative, display: display, text: SourceText(normalizing: text).text)
                if inTemplates {
                    content.templates.append(file)
                } else if relative == configurationName {
                    content.configuration = file
                } else {
                    content.articles.append(file)
                }
            }
        }
        content.articles.sort { $0.path < $1.path }
        content.templates.sort { $0.path < $1.path }
        return (content, diagnostics)
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
