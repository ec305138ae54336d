/*
 * serverless.yml resolves `${file(./functions/aws/ssm-document.cjs)}` with this function at package time: the
 * content of the AWS::SSM::Document is brokerlink's command document as the SSM adapter defines it
 * (shared/providers/aws/ssm-document.ts + shared/broker-writer/brokerlink-writer.sh). One source of truth: nothing is
 * generated into the repository. CommonJS because osls loads `${file(*.cjs)}` with require(); the .ts modules are
 * imported dynamically (Node 22 strips their types).
 */
module.exports = async () => {
  const { ssmDocumentContent } = await import('../../shared/providers/aws/ssm-document.ts');
  const { writerScriptText } = await import('../../shared/broker-writer/protocol.ts');
  return ssmDocumentContent({ writerScript: writerScriptText() });
};
