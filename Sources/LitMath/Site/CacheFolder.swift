import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The cache folder's rules: the same care as the output folder's, and trust only in what this
/// user wrote on this machine.
///
/// - litmath only ever writes into, or deletes, a folder that it made: one that holds the marker
///   file `.litmath-cache` with this user's token. A folder that exists without it (`--cache .`,
///   a user's own folder, a cache someone committed) is never emptied; a build ignores it, with
///   a warning, and `--clean` refuses it.
/// - The folder must not be the project or above it, the content folder or inside it, the output
///   folder, inside it or around it; and it must not be a symbolic link.
/// - The token and every cache key are derived from a secret kept outside the project
///   (`~/.cache/litmath/key`, readable by this user only). Keys of a committed or planted cache
///   are therefore unpredictable: an entry holding `<script>` under a formula's key is never
///   found, because nobody else can compute the key.
public enum CacheFolder {
    /// The marker file inside a cache folder.
    static let marker = ".litmath-cache"
    /// What a cache folder holds besides the marker and the examples' package: the entries.
    static let entries = "v1"

    /// Why a folder cannot be the cache at all (a usage error).
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// The outcome of opening a cache folder.
    public enum Opened: Sendable {
        /// litmath's cache, ready; the secret keys its entries.
        case ready(URL, secret: String)
        /// A folder litmath did not make; why, for a warning. A build goes on without a cache.
        case foreign(String)
    }

    /// Checks `directory` against the rules, creates it (mode 0700, with the marker) when it does
    /// not exist or is empty, and with `clean` removes its entries (never the folder itself, and
    /// never the compiled Swift examples that `check` reuses).
    public static func open(_ directory: URL, content: URL, output: URL?, clean: Bool = false) throws -> Opened {
        let fm = FileManager.default
        let path = directory.standardizedFileURL.path
        // As the user wrote it: `--cache .` is '.', not the absolute path of the project.
        let display = directory.baseURL != nil ? directory.relativePath : SiteBuilder.displayPath(directory)
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
            throw Refused(description: "cache folder '\(display)' is a symbolic link; litmath never writes through links (choose a real folder with --cache)")
        }
        let canonical = canonicalIntended(directory)
        let contentPath = ProjectFile.canonicalPath(content) ?? content.standardizedFileURL.path
        let project = (contentPath as NSString).deletingLastPathComponent
        let working = ProjectFile.canonicalPath(URL(fileURLWithPath: fm.currentDirectoryPath)) ?? fm.currentDirectoryPath
        for (root, name) in [(project, "the project"), (working, "the working folder")] where ProjectFile.isInside(root, canonical) {
            throw Refused(description: "cache folder '\(display)' is \(name) or a folder above it; choose a folder of its own such as '.litmath-cache'")
        }
        if ProjectFile.isInside(canonical, contentPath) {
            throw Refused(description: "cache folder '\(display)' is inside the content folder; choose one outside it such as '.litmath-cache'")
        }
        if let output {
            let outputPath = canonicalIntended(output)
            if ProjectFile.isInside(canonical, outputPath) || ProjectFile.isInside(outputPath, canonical) {
                throw Refused(description: "cache folder '\(display)' and the output folder '\(SiteBuilder.displayPath(output))' overlap; keep them apart")
            }
        }

        let secret = try userSecret()
        let token = "litmath cache \(BuildCache.hash([secret, "cache-folder"]))\n"
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: canonical, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw Refused(description: "cache folder '\(display)' exists and is not a folder")
            }
            let names = (try? fm.contentsOfDirectory(atPath: canonical)) ?? []
            if !names.isEmpty {
                let markerURL = URL(fileURLWithPath: canonical).appendingPathComponent(marker)
                let ours = (try? ProjectFile.read(markerURL, within: canonical, limit: 4096).get()) == Data(token.utf8)
                    && ownedByUser(canonical)
                guard ours else {
                    let why = "'\(display)' was not written by litmath for this user on this machine"
                    if clean { throw Refused(description: "refusing to empty \(why); delete it yourself if it is a stale cache") }
                    return .foreign("cache folder \(why), so it is neither read nor written (delete it, or choose another --cache, to get a cache again)")
                }
                if clean { try? fm.removeItem(atPath: canonical + "/" + entries) }
                return .ready(URL(fileURLWithPath: canonical), secret: secret)
            }
        }
        try fm.createDirectory(atPath: canonical, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(canonical, 0o700)
        try Data(token.utf8).write(to: URL(fileURLWithPath: canonical).appendingPathComponent(marker), options: .atomic)
        return .ready(URL(fileURLWithPath: canonical), secret: secret)
    }

    /// The canonical path `url` has or would have: its nearest existing ancestor resolved, the rest appended.
    static func canonicalIntended(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while ProjectFile.canonicalPath(existing) == nil, existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        let base = ProjectFile.canonicalPath(existing) ?? existing.path
        return rest.reduce(base) { ($0 == "/" ? "" : $0) + "/" + $1 }
    }

    /// Whether this user owns `path` and nobody else may write into it.
    static func ownedByUser(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return status.st_uid == getuid() && status.st_mode & 0o022 == 0
    }

    /// This user's secret (hex), kept in `$XDG_CACHE_HOME/litmath/key` or `~/.cache/litmath/key`
    /// with mode 0600, made on first use from the system's random generator.
    static func userSecret() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"].map { $0 + "/.cache" } ?? NSHomeDirectory() + "/.cache")
        let folder = base + "/litmath"
        let file = folder + "/key"
        if let data = try? ProjectFile.read(URL(fileURLWithPath: file), within: ProjectFile.canonicalPath(URL(fileURLWithPath: folder)) ?? folder, limit: 256).get(),
           ownedByUser(file), let text = String(data: data, encoding: .utf8), text.count == 64 {
            return text
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
            let temporary = file + ".\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw Refused(description: "cannot write '\(file)'")
            }
            defer { unlink(temporary) }
            // link(2), not rename(2): when two builds make a key at once, the first one stays and
            // both use it (a replaced key would turn the first build's cache into a stranger's).
            if link(temporary, file) == 0 { return secret }
            guard errno == EEXIST, let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8), text.count == 64 else {
                throw Refused(description: "cannot write '\(file)'")
            }
            return text
        } catch {
            throw Refused(description: "cannot keep the cache key in '\(folder)' (\(error)); build with --no-cache, or set XDG_CACHE_HOME to a writable folder")
        }
    }
}
