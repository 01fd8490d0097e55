import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way litmath reads a file of the project: articles, static files, templates,
/// `site.yml`, `content/_expected/` and cache entries all come through here.
///
/// A file is read only when it really is inside the folder it belongs to (after every symbolic
/// link is resolved), is a regular file (not a device, a FIFO or a socket, which could block a
/// build or hand it endless bytes), and is no larger than the limit of its kind. The file is
/// opened once, without following a final link, and judged by `fstat` on that open descriptor,
/// so a link swapped in between the check and the read is refused rather than followed.
enum ProjectFile {
    /// Why a file was not read.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        /// It resolves to `target`, outside the folder it must stay in.
        case outside(target: String)
        /// It is not a regular file; `kind` says what it is.
        case notRegular(kind: String)
        /// It holds `size` bytes, more than `limit`.
        case tooLarge(size: Int, limit: Int)
        /// It does not exist.
        case missing
        /// It could not be opened or read; the system's reason.
        case unreadable(String)

        var description: String {
            switch self {
            case let .outside(target): "it is a symbolic link to '\(target)', outside the project"
            case let .notRegular(kind): "it is \(kind), not a regular file"
            case let .tooLarge(size, limit): "it is \(size) bytes, over the limit of \(Self.bytes(limit))"
            case .missing: "it does not exist"
            case let .unreadable(reason): "it cannot be read (\(reason))"
            }
        }

        private static func bytes(_ n: Int) -> String {
            n >= 1 << 20 && n % (1 << 20) == 0 ? "\(n >> 20) MiB" : "\(n) bytes"
        }
    }

    /// Text files (articles, templates, YAML, expectations): real ones are a few hundred kilobytes;
    /// a file of many megabytes is a mistake that would make a build crawl.
    static let textLimit = 8 << 20
    /// Static files copied into the site (images, data): large enough for any figure or small
    /// video, small enough that a stray disk image never ends up read whole into memory.
    static let staticLimit = 128 << 20

    /// The canonical path of `url` (every link resolved), or nil when some part of it does not exist.
    static func canonicalPath(_ url: URL) -> String? {
        guard let resolved = realpath(url.path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` is `root` or inside it (both canonical).
    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    /// Reads `url`, which must resolve inside the folder `root` (a canonical path) and be a
    /// regular file of at most `limit` bytes.
    static func read(_ url: URL, within root: String, limit: Int) -> Result<Data, Refusal> {
        guard let path = canonicalPath(url) else {
            var status = stat()
            return lstat(url.path, &status) == 0 ? .failure(.notRegular(kind: "a broken symbolic link")) : .failure(.missing)
        }
        guard isInside(path, root), path != root else { return .failure(.outside(target: path)) }
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            return errno == ELOOP ? .failure(.outside(target: path)) : .failure(.unreadable(reason))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else { return .failure(.notRegular(kind: kind(of: type))) }
        let size = Int(status.st_size)
        guard size <= limit else { return .failure(.tooLarge(size: size, limit: limit)) }
        // Read to the end, never past the limit: a file may grow while it is read.
        var data = Data(count: size)
        var filled = 0
        while true {
            if filled == data.count {
                guard data.count < limit + 1 else { return .failure(.tooLarge(size: filled, limit: limit)) }
                data.count = min(max(data.count * 2, 4096), limit + 1)
            }
            let count = data.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(String(cString: strerror(errno))))
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { return .failure(.tooLarge(size: filled, limit: limit)) }
        data.count = filled
        return .success(data)
    }

    /// A file's kind in words, for a refusal.
    static func kind(of type: mode_t) -> String {
        switch type {
        case S_IFDIR: "a folder"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        case S_IFIFO: "a pipe"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
    }

    /// At most `limit` characters of an unreadable line, with control characters and anything
    /// that is not printable shown as escapes, so that a diagnostic about a file that is not
    /// what it should be (a link to `/proc/self/environ`, a binary) never prints what it holds.
    static func excerpt(_ text: Substring, limit: Int = 40) -> String {
        var out = ""
        var shown = 0
        for scalar in text.unicodeScalars {
            if shown == limit { return out + "…" }
            switch scalar {
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value):
                out += String(format: "\\u{%02X}", scalar.value)
            case "'": out += "\\'"
            default: out.unicodeScalars.append(scalar)
            }
            shown += 1
        }
        return out
    }
}
