import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a whole site at once: everything goes into a staging folder beside the output, which
/// is then swapped in. A build that fails before the swap leaves the existing output untouched.
enum OutputWriter {
    /// Marks a folder as litmath's output, so a build never replaces a folder it did not make.
    static let marker = ".litmath-output"
    /// The marker file's contents.
    static let markerContents = Data("This folder is written by litmath and replaced as a whole on every build.\n".utf8)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether `output` already holds exactly `files` (and the marker), so a build can skip writing.
    static func isCurrent(_ files: [String: Data], at output: URL) -> Bool {
        let fm = FileManager.default
        var expected = files
        expected[marker] = markerContents
        guard let enumerator = fm.enumerator(at: output, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey]) else { return false }
        let root = output.standardizedFileURL.resolvingSymlinksInPath().path
        var seen = 0
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.count + 1))
            guard let data = expected[relative], values?.fileSize == data.count, fm.contents(atPath: url.path) == data else { return false }
            seen += 1
        }
        return seen == expected.count
    }

    /// Writes `files` (relative path → bytes) as the new content of `output`.
    static func write(_ files: [String: Data], to output: URL) throws {
        let fm = FileManager.default
        let output = output.standardizedFileURL
        let parent = output.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)

        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: output.path, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else {
                throw Failure(description: "output '\(output.path)' exists and is not a folder")
            }
            let contents = try fm.contentsOfDirectory(atPath: output.path)
            guard contents.isEmpty || contents.contains(marker) else {
                throw Failure(description: "output folder '\(output.path)' is not empty and was not written by litmath; refusing to replace it (choose another --output, or empty it)")
            }
        }

        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).new-\(token)")
        let retired = parent.appendingPathComponent(".\(output.lastPathComponent).old-\(token)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            var all = files
            all[marker] = markerContents
            var created: Set<String> = []
            for (path, data) in all.sorted(by: { $0.key < $1.key }) {
                let url = staging.appendingPathComponent(path)
                let folder = url.deletingLastPathComponent().path
                if !created.contains(folder) {
                    try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    created.insert(folder)
                }
                // A file that is already in the output with the same bytes is hard-linked rather
                // than written again: most of a rebuild (fonts, unchanged pages) costs no new inode.
                let previous = output.appendingPathComponent(path)
                if exists, let old = fm.contents(atPath: previous.path), old == data,
                   link(previous.path, url.path) == 0 {
                    continue
                }
                try data.write(to: url)
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
        // The swap: two renames on one file system. rename(2) of a folder cannot replace a
        // non-empty folder, and Glibc's Swift overlay has no renameat2(RENAME_EXCHANGE).
        if exists {
            try fm.moveItem(at: output, to: retired)
        }
        do {
            try fm.moveItem(at: staging, to: output)
        } catch {
            if exists { try? fm.moveItem(at: retired, to: output) }
            try? fm.removeItem(at: staging)
            throw error
        }
        if exists { try? fm.removeItem(at: retired) }
    }
}
