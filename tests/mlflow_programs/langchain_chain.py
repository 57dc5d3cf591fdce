"""A LangChain chain logged with input_example and pip_requirements, loaded back and invoked."""

import json

import mlflow
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableLambda

mlflow.genai.register_prompt(name="summarize", template="Summarize in {{ n }} words: {{ text }}")
prompt = mlflow.genai.load_prompt("prompts:/summarize/1")
chain = PromptTemplate.from_template(prompt.to_single_brace_format()) | RunnableLambda(
    lambda value: value.to_string().upper()
)
with mlflow.start_run(run_name="summarizer"):
    info = mlflow.langchain.log_model(
        chain,
        name="chain",
        input_example={"n": 3, "text": "git stores snapshots"},
        pip_requirements=["langchain-core"],
        prompts=["prompts:/summarize/1"],
    )

loaded = mlflow.langchain.load_model(info.model_uri)
as_pyfunc = mlflow.pyfunc.load_model(info.model_uri)
try:
    as_pyfunc.predict({"text": "no n given"})
    refused = False
except Exception:
    refused = True
print(
    json.dumps(
        {
            "invoke": loaded.invoke({"n": 3, "text": "git stores snapshots"}),
            "refused_missing_input": refused,
            "model_uri": info.model_uri,
        }
    )
)
