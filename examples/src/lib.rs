//! Examples of bufpress: see the `examples/` folder and the README.
