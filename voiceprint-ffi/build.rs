//! Gives the shared library an ELF soname (`libvoiceprint.so.<major>`), so
//! programs linked against it record the ABI version rather than a bare file
//! name, as distribution packages of C libraries do.

fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".to_string());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvoiceprint.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
