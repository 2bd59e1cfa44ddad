//! Rebuild when the vendored browser libraries change: they are embedded from `web/dist/vendor`,
//! which the set-up step fills from the npm registry, possibly after a first build.

fn main() {
    println!("cargo:rerun-if-changed=../../web/dist/vendor");
    println!("cargo:rerun-if-changed=assets");
}
