// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "litmath",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "litmath", targets: ["LitMathCLI"]),
        .library(name: "LitMath", targets: ["LitMath"]),
        .library(name: "DiffusionSchedulers", targets: ["DiffusionSchedulers"]),
        // What runnable Swift examples in articles use to show a table or a plot.
        .library(name: "LitMathFigures", targets: ["LitMathFigures"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Author-overridable page templates (content/_templates/*.mustache).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // libcmark from Debian's libcmark-dev (pkg-config name `libcmark`).
        .systemLibrary(
            name: "CCmark",
            pkgConfig: "libcmark",
            providers: [.apt(["libcmark-dev"])]
        ),
        // The element loops of the scheduler steps and of torch.randn, in C. Hand-written because
        // Swift cannot build one function for several instruction sets and choose at run time,
        // and no library reproduces torch's float32 operation order (fused exactly where torch
        // fuses, nowhere else) for these loops. Portable, AVX2+FMA and AVX-512F variants of one
        // source give identical bits; compiled by the toolchain's clang, so nothing to install.
        .target(
            name: "CSchedulerKernels",
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        // The diffusers schedulers in Swift. Depends on nothing but the toolchain.
        .target(name: "DiffusionSchedulers", dependencies: ["CSchedulerKernels"]),
        // The figure API of runnable Swift examples (Table, Plot, show). Foundation only.
        .target(name: "LitMathFigures"),
        // The site generator.
        .target(
            name: "LitMath",
            dependencies: [
                "CCmark",
                "DiffusionSchedulers",
                "LitMathFigures",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The `litmath` command: argument parsing and exit codes only.
        .executableTarget(
            name: "LitMathCLI",
            dependencies: [
                "LitMath",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "SchedulerBenchmark",
            dependencies: ["DiffusionSchedulers"],
            path: "Benchmarks/SchedulerBenchmark"
        ),
        .testTarget(
            name: "DiffusionSchedulersTests",
            dependencies: ["DiffusionSchedulers"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LitMathTests",
            dependencies: ["LitMath", "DiffusionSchedulers", "LitMathFigures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
