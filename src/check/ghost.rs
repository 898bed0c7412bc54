//! Ghost reappearance (placeholder).
