import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a whole site at once: everything goes into a staging folder beside the output, which
/// is then swapped in. A build that fails before the swap leaves the existing output untouched.
///
/// Crash safety: at every instant the output path holds either the complete old site or the
/// complete new one. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`; a first build is one
/// `rename(2)`. A build killed half-way leaves at most a hidden `.<name>.new-<token>` (or, on a
/// file system without RENAME_EXCHANGE, `.<name>.old-<token>`) beside the output, which the next
/// build removes. Builds into one output take turns on a lock file `.<name>.lock` beside it.
///
/// Every failure is a `Failure` whose description is one line naming the path and the cause.
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

    /// Why a build must not replace `output`, if it must not: it is a symbolic link (replacing
    /// the link would silently break what it points to, and writing through it would replace a
    /// folder the user named elsewhere), something other than a folder, or a non-empty folder
    /// litmath did not write. `nil` when it does not exist or is litmath's (or empty).
    static func refusal(_ output: URL) -> String? {
        let path = output.standardizedFileURL.path
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            return code == ENOENT ? nil : "cannot inspect the output '\(path)': \(reason(code))"
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            break
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to '\($0)'" } ?? ""
            return "the output '\(path)' is a symbolic link\(target); litmath replaces its output folder as a whole and will not replace or write through a link (give --output the real folder)"
        default:
            return "the output '\(path)' exists and is not a folder"
        }
        let contents: [String]
        do {
            contents = try entries(of: path)
        } catch {
            return "\(error)"
        }
        guard contents.isEmpty || contents.contains(marker) else {
            return "output folder '\(path)' is not empty and was not written by litmath; refusing to replace it (choose another --output, or empty it)"
        }
        return nil
    }

    /// Writes `files` (relative path → bytes) as the new content of `output`. Returns `false`
    /// when, once it held the lock, the output already held exactly `files` (a build that
    /// finished while this one waited wrote the same site), so nothing was written.
    ///
    /// `waiting` receives one line when another build holds the output's lock.
    @discardableResult
    static func write(_ files: [String: Data], to output: URL, waiting: @escaping (String) -> Void = { _ in }) throws -> Bool {
        let output = output.standardizedFileURL
        let parent = output.deletingLastPathComponent()
        let name = output.lastPathComponent
        try makeDirectories(parent.path)

        var waited = false
        guard let lock = try Lock.acquire(lockPath(output), output: name, waiting: { waited = true; waiting($0) }) else { return false }
        defer { lock.release() }
        // Holding the lock, no other build is writing beside this output: any staging or retired
        // folder of ours left here belongs to a build that was killed.
        removeLeftovers(in: parent, of: name)

        if let problem = refusal(output) { throw Failure(description: problem) }
        // The caller found the output out of date before taking the lock; only a build that
        // finished while this one waited can have changed that.
        if waited && isCurrent(files, at: output) { return false }
        var info = stat()
        let exists = lstat(output.path, &info) == 0

        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let staging = parent.appendingPathComponent(".\(name).new-\(token)")
        do {
            try makeDirectory(staging.path)
            // The marker goes in first: a staging folder killed at any later point carries it,
            // which is what lets the next build recognise the folder as ours and remove it.
            try writeFile(markerContents, to: staging.appendingPathComponent(marker).path)
            var created: Set<String> = [staging.path]
            for (path, data) in files.sorted(by: { $0.key < $1.key }) where path != marker {
                let url = staging.appendingPathComponent(path)
                let folder = url.deletingLastPathComponent().path
                if !created.contains(folder) {
                    try makeDirectories(folder)
                    created.insert(folder)
                }
                // A file that is already in the output with the same bytes is hard-linked rather
                // than written again: most of a rebuild (fonts, unchanged pages) costs no new inode.
                let previous = output.appendingPathComponent(path)
                if exists, let old = FileManager.default.contents(atPath: previous.path), old == data,
                   link(previous.path, url.path) == 0 {
                    continue
                }
                try writeFile(data, to: url.path)
            }
        } catch {
            try? removeTree(staging)
            throw error
        }

        guard exists else {
            // Nothing at the output path yet: one rename(2) puts the whole site there at once.
            guard rename(staging.path, output.path) == 0 else {
                let code = errno
                try? removeTree(staging)
                throw Failure(description: "cannot move the new site to '\(output.path)': \(reason(code))")
            }
            return true
        }
        let code = exchange(staging.path, output.path)
        if code == 0 {
            // The staging path now holds the old site; the output, complete, the new one.
            try? removeTree(staging)
            return true
        }
        guard code == EINVAL || code == ENOSYS else {
            try? removeTree(staging)
            throw Failure(description: "cannot swap the new site into '\(output.path)': \(reason(code))")
        }
        // Only where RENAME_EXCHANGE is not supported (a kernel before 3.15, or a file system
        // without it, which reports EINVAL): two renames, since rename(2) cannot replace a
        // non-empty folder. Between them there is no site at the output path; a build killed
        // there leaves the old site in `.<name>.old-<token>`, marked, which the next build removes.
        let retired = parent.appendingPathComponent(".\(name).old-\(token)")
        guard rename(output.path, retired.path) == 0 else {
            let code = errno
            try? removeTree(staging)
            throw Failure(description: "cannot move the old site '\(output.path)' aside: \(reason(code))")
        }
        guard rename(staging.path, output.path) == 0 else {
            let code = errno
            _ = rename(retired.path, output.path)
            try? removeTree(staging)
            throw Failure(description: "cannot move the new site to '\(output.path)': \(reason(code))")
        }
        try? removeTree(retired)
        return true
    }

    // MARK: - Leftovers

    /// Whether `entry` is a name this writer gives a staging or retired folder beside an output
    /// called `name`: `.<name>.new-<pid>-<8 hex digits>` or `.<name>.old-…`.
    static func isLeftoverName(_ entry: String, of name: String) -> Bool {
        for kind in ["new", "old"] {
            let prefix = ".\(name).\(kind)-"
            guard entry.hasPrefix(prefix) else { continue }
            let token = entry.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            return token.count == 2 && !token[0].isEmpty && token[0].allSatisfy { ("0"..."9").contains($0) }
                && token[1].count == 8 && token[1].allSatisfy(\.isHexDigit)
        }
        return false
    }

    /// The lock file of `output`: `.<name>.lock` beside it.
    static func lockPath(_ output: URL) -> String {
        let output = output.standardizedFileURL
        return output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).lock").path
    }

    /// For a build that writes nothing (the output is up to date): removes what killed builds
    /// left beside `output`, if there is anything and no other build holds the lock (that build
    /// removes them itself). Without leftovers it touches nothing, not even the lock file.
    static func removeLeftovers(besideOutput output: URL) {
        let output = output.standardizedFileURL
        let parent = output.deletingLastPathComponent(), name = output.lastPathComponent
        guard let names = try? entries(of: parent.path), names.contains(where: { isLeftoverName($0, of: name) }),
              let lock = try? Lock.acquire(lockPath(output), output: name, waiting: nil) else { return }
        defer { lock.release() }
        removeLeftovers(in: parent, of: name)
    }

    /// Removes the staging and retired folders of killed builds beside the output `name`. Call
    /// only while holding the output's lock. Only real folders (not links) with one of our names
    /// that carry the marker, or are empty (killed between creating the folder and writing the
    /// marker), are removed; anything else is left alone. Failing to remove one is not an error
    /// of this build: it is retried by the next.
    static func removeLeftovers(in parent: URL, of name: String) {
        guard let names = try? entries(of: parent.path) else { return }
        for entry in names where isLeftoverName(entry, of: name) {
            let url = parent.appendingPathComponent(entry)
            var info = stat()
            guard lstat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
                  let contents = try? entries(of: url.path),
                  contents.isEmpty || contents.contains(marker) else { continue }
            try? removeTree(url)
        }
    }

    /// Removes a folder of ours, its marker last: a removal killed half-way leaves a folder that
    /// still carries the marker, so the next build still recognises it and finishes the job.
    static func removeTree(_ url: URL) throws {
        let fm = FileManager.default
        for entry in try entries(of: url.path) where entry != marker {
            try fm.removeItem(at: url.appendingPathComponent(entry))
        }
        _ = unlink(url.appendingPathComponent(marker).path)
        try fm.removeItem(at: url)
    }

    // MARK: - Lock

    /// An exclusive `flock(2)` on the lock file beside an output, held for the whole write.
    ///
    /// A second build into the same output waits for the first (printing one line that says so)
    /// rather than failing. Why wait: the usual cause is the same author's two builds (a save
    /// hook and a manual build, or parallel CI steps), and both want the site written; failing
    /// would make them retry by hand to get what waiting gives. The lock is held only while
    /// writing, which takes a fraction of a second, so the wait is short; the rendering before
    /// it runs in parallel. The last build to take the lock decides the site.
    final class Lock {
        let path: String
        let descriptor: Int32

        private init(path: String, descriptor: Int32) {
            self.path = path
            self.descriptor = descriptor
        }

        /// Takes the lock at `path`, waiting for its holder if there is one and `waiting` is given
        /// (it gets the line to show); without `waiting`, returns `nil` instead of waiting.
        static func acquire(_ path: String, output name: String, waiting: ((String) -> Void)?) throws -> Lock? {
            var announced = false
            while true {
                let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    throw Failure(description: "cannot create the lock file '\(path)': \(reason(errno))")
                }
                if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                    let code = errno
                    guard code == EWOULDBLOCK else {
                        close(fd)
                        throw Failure(description: "cannot lock '\(path)': \(reason(code))")
                    }
                    guard let waiting else {
                        close(fd)
                        return nil
                    }
                    if !announced {
                        waiting("waiting for another litmath build writing '\(name)'…\n")
                        announced = true
                    }
                    while flock(fd, LOCK_EX) != 0 {
                        let code = errno
                        guard code == EINTR else {
                            close(fd)
                            throw Failure(description: "cannot lock '\(path)': \(reason(code))")
                        }
                    }
                }
                // Each holder deletes the lock file when it is done, so none stays beside the
                // output. A waiter may then hold a lock on the deleted file, which guards nothing
                // (a newcomer creates a fresh file and locks that): keep the lock only when the
                // locked file is still the one at the path, else start again on the new one.
                var held = stat(), current = stat()
                if fstat(fd, &held) == 0, stat(path, &current) == 0,
                   held.st_dev == current.st_dev, held.st_ino == current.st_ino {
                    return Lock(path: path, descriptor: fd)
                }
                close(fd)
            }
        }

        /// Deletes the lock file, then lets go of the lock (in that order: see `acquire`).
        func release() {
            unlink(path)
            close(descriptor)
        }
    }

    // MARK: - System calls with their errors as one line

    /// The text of an `errno` value ("Permission denied").
    static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The names in a folder, without `.` and `..`.
    static func entries(of path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw Failure(description: "cannot read the folder '\(path)': \(reason(errno))")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates one folder; an existing one is fine.
    private static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) == 0 { return }
        let code = errno
        var info = stat()
        if code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
        throw Failure(description: "cannot create the folder '\(path)': \(reason(code))")
    }

    /// Creates a folder and any missing parents (`mkdir -p`).
    private static func makeDirectories(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectories(parent) }
        try makeDirectory(path)
    }

    /// Writes a new file.
    private static func writeFile(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot create '\(path)': \(reason(errno))") }
        defer { close(fd) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw Failure(description: "cannot write '\(path)': \(reason(code))")
                }
                offset += written
            }
        }
    }

    /// Swaps two paths atomically with `renameat2(…, RENAME_EXCHANGE)`; returns 0 or the errno.
    ///
    /// Swift cannot call glibc's variadic `syscall`, and the Glibc module does not declare
    /// `renameat2` (it is behind `_GNU_SOURCE`), so the glibc function (2.28 and later) is
    /// looked up by name at run time instead of adding C to the package. Without it the answer is
    /// ENOSYS, and the caller falls back to two renames.
    private static func exchange(_ from: String, _ to: String) -> Int32 {
        #if os(Linux)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = renameat2Symbol else { return ENOSYS }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1  // RENAME_EXCHANGE in <linux/fs.h>
        return renameat2(AT_FDCWD, from, AT_FDCWD, to, renameExchange) == 0 ? 0 : errno
        #else
        return ENOSYS
        #endif
    }

    /// write(2), named apart from this type's `write`.
    private static func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
        #else
        Darwin.write(fd, bytes, count)
        #endif
    }

    #if os(Linux)
    /// glibc's `renameat2`, found once.
    nonisolated(unsafe) private static let renameat2Symbol: UnsafeMutableRawPointer? = dlsym(dlopen(nil, RTLD_NOW), "renameat2")
    #endif
}
