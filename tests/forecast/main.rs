//! Black-box tests of `instrada backtest`: the binary on small synthetic CSV files written into a
//! temporary directory (`cli`), and on the shared workload series where they are present
//! (`shared`).

mod cli;
mod shared;
