"""The only Streamlit code in the package: session state, cached wrappers, shared components."""
