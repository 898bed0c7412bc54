#![forbid(unsafe_code)]

fn main() {
    println!("parliament: under construction");
}
